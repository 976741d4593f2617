package records

// FamilyNameFirst reports whether c's name is shown family name first
// (for the tests of package records_test).
func FamilyNameFirst(c *Contact) bool {
	if c == nil {
		return false
	}
	first, _ := nameOrder(c)
	return first
}

// Region returns the region set with WithRegion ("" when none).
func (r *Resolver) Region() string {
	if r == nil {
		return ""
	}
	return r.region
}
