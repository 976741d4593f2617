package records_test

import (
	"fmt"
	"testing"

	"github.com/iosbackup/iosbackup/records"
)

// The cost of E.164 matching (libphonenumber rules): building a resolver
// over 10,000 contacts with two numbers each, and looking up handles.
func benchContacts(n int) []*records.Contact {
	cs := make([]*records.Contact, n)
	for i := range cs {
		cs[i] = &records.Contact{ID: int64(i + 1), First: fmt.Sprint("F", i), Last: "L",
			Phones: []records.Labeled{{Value: fmt.Sprintf("090-%04d-%04d", i/10000, i%10000)}, {Value: fmt.Sprintf("+81 3-%04d-%04d", i/10000, i%10000)}}}
	}
	return cs
}

func BenchmarkNewResolver10k(b *testing.B) {
	cs := benchContacts(10000)
	for _, region := range []string{"", "JP"} {
		b.Run("region="+region, func(b *testing.B) {
			for b.Loop() {
				resolverFrom(cs, records.WithRegion(region))
			}
		})
	}
}

func BenchmarkResolverLookup(b *testing.B) {
	cs := benchContacts(10000)
	for _, region := range []string{"", "JP"} {
		r := resolverFrom(cs, records.WithRegion(region))
		b.Run("region="+region, func(b *testing.B) {
			i := 0
			for b.Loop() {
				r.Lookup(fmt.Sprintf("+8190%04d%04d", 0, i%10000))
				i++
			}
		})
	}
}

func BenchmarkE164(b *testing.B) {
	for b.Loop() {
		records.E164("090-1234-5678", "JP")
	}
}

func BenchmarkNormalizePhone(b *testing.B) {
	for b.Loop() {
		records.NormalizePhone("090-1234-5678")
	}
}
