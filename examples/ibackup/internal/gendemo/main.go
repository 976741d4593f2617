// Command gendemo writes the sample backup that `ibackup demo` embeds.
//
//	go run ./examples/ibackup/internal/gendemo examples/ibackup/demodata
//
// (or `go generate ./examples/ibackup`). The output is deterministic; the
// ibackup tests check that the committed copy matches a fresh one.
package main

import (
	"fmt"
	"os"

	"github.com/iosbackup/iosbackup/examples/internal/demobuild"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: gendemo DIR")
		os.Exit(2)
	}
	dir := os.Args[1]
	if err := os.RemoveAll(dir); err != nil {
		fmt.Fprintln(os.Stderr, "gendemo:", err)
		os.Exit(1)
	}
	if _, err := demobuild.Write(dir, demobuild.Options{}); err != nil {
		fmt.Fprintln(os.Stderr, "gendemo:", err)
		os.Exit(1)
	}
}
