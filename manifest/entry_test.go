package manifest

import (
	"errors"
	"io/fs"
	"strings"
	"testing"
)

const id = "3d0d7e5fb2ce288813306e4d4636395e047a3d28"

func TestProblem(t *testing.T) {
	for _, c := range []struct {
		fileID, domain, path string
		want                 string // substring; "" means safe
	}{
		{id, "HomeDomain", "Library/SMS/sms.db", ""},
		{id, "HomeDomain", "", ""},
		{id, "AppDomain-com.example", "Documents/a b.txt", ""},
		{strings.ToUpper(id), "HomeDomain", "x", "fileID"},
		{id[:39], "HomeDomain", "x", "fileID"},
		{"../" + id[3:], "HomeDomain", "x", "fileID"},
		{id, "", "x", "unsafe domain"},
		{id, "..", "x", "unsafe domain"},
		{id, "Home/Domain", "x", "unsafe domain"},
		{id, `Home\Domain`, "x", "unsafe domain"},
		{id, "C:", "x", "unsafe domain"},
		{id, "HomeDomain", "../x", "unsafe relative path"},
		{id, "HomeDomain", "/etc/passwd", "unsafe relative path"},
		{id, "HomeDomain", "a//b", "unsafe relative path"},
		{id, "HomeDomain", `a\..\b`, "unsafe relative path"},
		{id, "HomeDomain", "a\x00b", "unsafe relative path"},
	} {
		e := &Entry{FileID: c.fileID, Domain: c.domain, Path: c.path}
		got := e.Problem()
		if (c.want == "") != (got == "") || !strings.Contains(got, c.want) {
			t.Errorf("%q %q %q: problem %q, want %q", c.fileID, c.domain, c.path, got, c.want)
		}
	}
}

func TestEntryNameModeKind(t *testing.T) {
	for _, c := range []struct {
		e    Entry
		name string
		mode fs.FileMode
		kind string
	}{
		{Entry{Domain: "HomeDomain", Path: "Library/SMS/sms.db", Kind: File, Mode: 0o100644}, "HomeDomain/Library/SMS/sms.db", 0o644, "file"},
		{Entry{Domain: "HomeDomain", Kind: Dir, Mode: 0o40755}, "HomeDomain", fs.ModeDir | 0o755, "dir"},
		{Entry{Domain: "D", Path: "l", Kind: Symlink, Mode: 0o120777}, "D/l", fs.ModeSymlink | 0o777, "symlink"},
		{Entry{Domain: "D", Path: "o", Kind: Other, Mode: 0o10600}, "D/o", fs.ModeIrregular | 0o600, "other"},
	} {
		if got := c.e.Name(); got != c.name {
			t.Errorf("Name %q, want %q", got, c.name)
		}
		if got := c.e.FileMode(); got != c.mode {
			t.Errorf("%s: FileMode %v, want %v", c.name, got, c.mode)
		}
		if got := c.e.Kind.String(); got != c.kind {
			t.Errorf("%s: Kind %q, want %q", c.name, got, c.kind)
		}
	}
	if (&Entry{}).Encrypted() || !(&Entry{WrappedKey: make([]byte, 40)}).Encrypted() {
		t.Error("Encrypted does not follow WrappedKey")
	}
}

func TestFormatError(t *testing.T) {
	cause := errors.New("record truncated")
	for _, c := range []struct {
		e    *FormatError
		want string
	}{
		{&FormatError{File: "Manifest.mbdb", Offset: 42, Err: cause}, "manifest: Manifest.mbdb: malformed at offset 42: record truncated"},
		{&FormatError{File: "Manifest.db", Offset: -1, Err: cause}, "manifest: Manifest.db: record truncated"},
	} {
		var err error = c.e
		if err.Error() != c.want {
			t.Errorf("Error() %q, want %q", err.Error(), c.want)
		}
		if !errors.Is(err, cause) || errors.Unwrap(err) != cause {
			t.Errorf("%v does not unwrap to its cause", err)
		}
		var fe *FormatError
		if !errors.As(err, &fe) || fe.File != c.e.File {
			t.Errorf("errors.As %v", fe)
		}
	}
}
