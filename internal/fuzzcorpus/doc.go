// Package fuzzcorpus keeps the committed seed corpora of the fuzz
// targets: it writes them from generated seeds on request and checks that
// they are there, for tests.
package fuzzcorpus
