// Command gendemo writes the sample backup that `ibackup demo` embeds.
//
//	go run ./examples/ibackup/internal/gendemo examples/ibackup/testdata/demo
//
// (or `go generate ./examples/ibackup`). The output is deterministic; the
// ibackup tests check that the committed copy matches a fresh one.
package main
