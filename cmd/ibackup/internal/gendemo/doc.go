// Command gendemo writes the sample backup that `ibackup demo` embeds.
//
//	go run ./cmd/ibackup/internal/gendemo cmd/ibackup/testdata/demo
//
// (or `go generate ./cmd/ibackup`). The output is deterministic; the
// ibackup tests check that the committed copy matches a fresh one.
package main
