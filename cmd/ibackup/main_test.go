package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/iosbackup/iosbackup/internal/backuptest"
	"github.com/iosbackup/iosbackup/internal/demobuild"
)

func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"ibackup": func() { os.Exit(runMain(os.Args[1:])) },
		// ibackup-exit N ARGS... runs ibackup ARGS... and succeeds when
		// its exit status is N, so scripts can assert exact statuses.
		"ibackup-exit": func() {
			if len(os.Args) < 2 {
				fmt.Fprintln(os.Stderr, "usage: ibackup-exit STATUS ARGS...")
				os.Exit(100)
			}
			code := run(os.Args[2:], os.Stdin, os.Stdout, os.Stderr)
			if strconv.Itoa(code) != os.Args[1] {
				fmt.Fprintf(os.Stderr, "ibackup-exit: exit status %d, want %s\n", code, os.Args[1])
				os.Exit(100)
			}
			os.Exit(0)
		},
	})
}

func TestScripts(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir: "testdata/script",
		Setup: func(env *testscript.Env) error {
			env.Setenv("TZ", "UTC")
			env.Setenv("DEMO_PASSWORD", demobuild.Password)
			return nil
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"plainbackup":   cmdPlainBackup,
			"hostilebackup": cmdHostileBackup,
			"damage":        cmdDamage,
			"snapshot":      cmdSnapshot,
			"unchanged":     cmdUnchanged,
			"emptydir":      cmdEmptyDir,
			"jsonfields":    cmdJSONFields,
			"perm":          cmdPerm,
			"mtime":         cmdMtime,
			"sha256":        cmdSHA256,
			"escapebackup":  cmdEscapeBackup,
			"noraw":         cmdNoRaw,
		},
	})
}

// plainbackup DIR writes the demo content as an unencrypted backup.
func cmdPlainBackup(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: plainbackup DIR")
	}
	_, err := demobuild.Write(ts.MkAbs(args[0]), demobuild.Options{Unencrypted: true})
	ts.Check(err)
}

// hostilebackup DIR writes an encrypted backup (password $DEMO_PASSWORD)
// with a good file, an entry whose path leaves the folder and a symlink
// pointing outside.
func cmdHostileBackup(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: hostilebackup DIR")
	}
	_, err := backuptest.Write(ts.MkAbs(args[0]), backuptest.Options{
		Era: backuptest.Era10_2, Encrypted: true, Password: demobuild.Password, Seed: 7,
	}, []backuptest.File{
		{Domain: "HomeDomain", Path: "Library/good.txt", Data: []byte("good\n")},
		{Domain: "HomeDomain", Path: "../../escape.txt", Data: []byte("evil\n")},
		{Domain: "HomeDomain", Path: "Library/link", Kind: backuptest.KindSymlink, Target: "/etc/passwd"},
	})
	ts.Check(err)
}

// damage remove|truncate|plist DIR [DOMAIN PATH] damages a backup folder.
func cmdDamage(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 2 {
		ts.Fatalf("usage: damage remove|truncate|plist DIR [DOMAIN PATH]")
	}
	tree := backuptest.InDir(ts.MkAbs(args[1]))
	switch args[0] {
	case "plist":
		ts.Check(backuptest.CorruptManifestPlist(tree))
		return
	case "remove", "truncate":
		if len(args) != 4 {
			ts.Fatalf("usage: damage %s DIR DOMAIN PATH", args[0])
		}
		id := backuptest.FileID(args[2], args[3])
		if args[0] == "remove" {
			ts.Check(backuptest.RemovePayload(tree, id))
		} else {
			ts.Check(backuptest.TruncatePayload(tree, id, 1000))
		}
	default:
		ts.Fatalf("unknown damage %q", args[0])
	}
}

// treeHash hashes every name, mode, size, modification time and content
// under dir.
func treeHash(dir string) (string, error) {
	h := sha256.New()
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		st, err := os.Lstat(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		fmt.Fprintf(h, "%s\x00%v\x00%d\x00%d\x00", filepath.ToSlash(rel), st.Mode(), st.Size(), st.ModTime().UnixNano())
		if st.Mode().IsRegular() {
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			h.Write(b)
		}
		return nil
	})
	return hex.EncodeToString(h.Sum(nil)), err
}

// snapshot DIR records the hash of the tree under DIR.
func cmdSnapshot(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: snapshot DIR")
	}
	h, err := treeHash(ts.MkAbs(args[0]))
	ts.Check(err)
	ts.Setenv("SNAPSHOT_"+filepath.Base(args[0]), h)
}

// unchanged DIR fails when the tree under DIR differs from its snapshot.
func cmdUnchanged(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: unchanged DIR")
	}
	want := ts.Getenv("SNAPSHOT_" + filepath.Base(args[0]))
	if want == "" {
		ts.Fatalf("no snapshot of %s", args[0])
	}
	h, err := treeHash(ts.MkAbs(args[0]))
	ts.Check(err)
	if h != want {
		ts.Fatalf("%s changed", args[0])
	}
}

// emptydir DIR fails unless DIR is absent or empty.
func cmdEmptyDir(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 1 {
		ts.Fatalf("usage: emptydir DIR")
	}
	ents, err := os.ReadDir(ts.MkAbs(args[0]))
	if err != nil && !os.IsNotExist(err) {
		ts.Fatalf("%v", err)
	}
	if (len(ents) == 0) == neg {
		var names []string
		for _, e := range ents {
			names = append(names, e.Name())
		}
		ts.Fatalf("%s holds %v", args[0], names)
	}
}

// Field names of the JSON Lines records (docs/CLI.md).
var jsonFields = map[string][]string{
	"message": {"guid", "chat", "chat_name", "service", "date", "date_read", "date_delivered", "from_me",
		"sender", "text", "attachments", "reaction", "reply_to", "edited", "unsent"},
	"contact": {"id", "first", "middle", "last", "nickname", "organization", "department", "job_title",
		"birthday", "note", "phones", "emails", "urls", "addresses", "created", "modified", "has_photo"},
	"call": {"id", "address", "name", "date", "duration", "outgoing", "answered", "missed", "type",
		"service", "country"},
	"event": {"id", "title", "notes", "url", "start", "end", "all_day", "time_zone", "location", "recurrence",
		"exceptions", "alarms", "organizer", "attendees", "calendar", "created", "modified", "problems"},
	"reminder": {"id", "title", "notes", "due", "completed", "completed_date", "priority", "list", "flagged",
		"parent", "recurrence", "problems"},
	"file":       {"file_id", "domain", "path", "kind", "size", "mode", "protection_class", "modified", "encrypted"},
	"attachment": {"name", "mime", "size", "domain", "path", "missing"},
	"address":    {"label", "street", "city", "state", "zip", "country", "country_code"},
}

// dateFields must be null or RFC 3339 UTC with milliseconds.
var dateFields = []string{"date", "date_read", "date_delivered", "created", "modified"}

// jsonfields KIND FILE checks that every line of FILE is a JSON object
// with the fields of KIND, and that dates are RFC 3339 UTC milliseconds.
func cmdJSONFields(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: jsonfields KIND FILE")
	}
	want, ok := jsonFields[args[0]]
	if !ok {
		ts.Fatalf("unknown kind %q", args[0])
	}
	text := ts.ReadFile(args[1])
	lines := strings.Split(strings.TrimSuffix(text, "\n"), "\n")
	if text == "" {
		ts.Fatalf("%s is empty", args[1])
	}
	for i, line := range lines {
		var obj map[string]any
		if err := json.Unmarshal([]byte(line), &obj); err != nil {
			ts.Fatalf("line %d: %v", i+1, err)
		}
		check := func(obj map[string]any, want []string, where string) {
			for _, f := range want {
				if _, ok := obj[f]; !ok {
					ts.Fatalf("line %d%s: no field %q in %s", i+1, where, f, line)
				}
			}
		}
		check(obj, want, "")
		for _, f := range dateFields {
			v, ok := obj[f]
			if !ok || v == nil {
				continue
			}
			s, _ := v.(string)
			if _, err := time.Parse("2006-01-02T15:04:05.000Z", s); err != nil {
				ts.Fatalf("line %d: %s = %v, want RFC 3339 UTC with milliseconds", i+1, f, v)
			}
		}
		sub := func(field, kind string) {
			arr, _ := obj[field].([]any)
			for _, a := range arr {
				m, _ := a.(map[string]any)
				check(m, jsonFields[kind], " "+field)
			}
		}
		sub("attachments", "attachment")
		sub("addresses", "address")
		if r, ok := obj["reaction"].(map[string]any); ok {
			check(r, []string{"type", "target"}, " reaction")
			if !slices.Contains([]string{"love", "like", "dislike", "laugh", "emphasize", "question", "emoji", "sticker"}, r["type"].(string)) {
				ts.Fatalf("line %d: reaction type %v", i+1, r["type"])
			}
		}
	}
}

// perm FILE MODE checks a file's permission bits (Unix only).
func cmdPerm(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: perm FILE MODE")
	}
	st, err := os.Stat(ts.MkAbs(args[0]))
	ts.Check(err)
	want, err := strconv.ParseUint(args[1], 8, 32)
	ts.Check(err)
	if got := st.Mode().Perm(); uint64(got) != want {
		ts.Fatalf("%s has mode %o, want %o", args[0], got, want)
	}
}

// sha256 FILE HEX checks a file's SHA-256.
func cmdSHA256(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: sha256 FILE HEX")
	}
	sum := sha256.Sum256([]byte(ts.ReadFile(args[0])))
	if got := hex.EncodeToString(sum[:]); got != args[1] {
		ts.Fatalf("%s has SHA-256 %s, want %s", args[0], got, args[1])
	}
}

// mtime FILE RFC3339 checks a file's modification time.
func cmdMtime(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: mtime FILE TIME")
	}
	st, err := os.Stat(ts.MkAbs(args[0]))
	ts.Check(err)
	want, err := time.Parse(time.RFC3339, args[1])
	ts.Check(err)
	if !st.ModTime().Equal(want) {
		ts.Fatalf("%s modified %v, want %v", args[0], st.ModTime().UTC(), want)
	}
}

// TestDemoDataReproducible checks that the embedded sample backup is what
// the generator writes today (run `go generate ./cmd/ibackup` after
// changing it) and that the password the tour uses is the generator's.
func TestDemoDataReproducible(t *testing.T) {
	if demoPassword != demobuild.Password {
		t.Fatalf("demoPassword %q, generator's %q", demoPassword, demobuild.Password)
	}
	dir := t.TempDir()
	if _, err := demobuild.Write(dir, demobuild.Options{}); err != nil {
		t.Fatal(err)
	}
	fresh := os.DirFS(dir)
	var names []string
	err := fs.WalkDir(fresh, ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		names = append(names, name)
		want, err := fs.ReadFile(fresh, name)
		if err != nil {
			return err
		}
		got, err := fs.ReadFile(demoFS(), name)
		if err != nil {
			t.Errorf("embedded demo lacks %s: run go generate ./cmd/ibackup", name)
			return nil
		}
		if !bytes.Equal(got, want) {
			t.Errorf("embedded %s differs from the generator's output: run go generate ./cmd/ibackup", name)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	var embedded []string
	fs.WalkDir(demoFS(), ".", func(name string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			embedded = append(embedded, name)
		}
		return err
	})
	slices.Sort(names)
	slices.Sort(embedded)
	if !slices.Equal(names, embedded) {
		t.Errorf("embedded files %v, generator writes %v", embedded, names)
	}
	// 3 plists, Manifest.db and 7 payloads.
	if len(names) != 11 {
		t.Errorf("%d files in the demo, want 11: %v", len(names), names)
	}
}

// TestParseInterleaved checks that flags may follow positional arguments.
func TestParseInterleaved(t *testing.T) {
	a := &app{}
	cases := []struct {
		args []string
		pos  []string
		json bool
		out  string
	}{
		{[]string{"B", "--json"}, []string{"B"}, true, ""},
		{[]string{"--json", "B"}, []string{"B"}, true, ""},
		{[]string{"B", "--out", "F", "D"}, []string{"B", "D"}, false, "F"},
		{[]string{"B", "--", "--json"}, []string{"B", "--json"}, false, ""},
		{[]string{"-out=F", "B"}, []string{"B"}, false, "F"},
	}
	for _, c := range cases {
		fset := a.newFlags("info")
		j := fset.Bool("json", false, "")
		o := fset.String("out", "", "")
		pos, err := a.parse(fset, c.args, 0, -1)
		if err != nil {
			t.Fatalf("%q: %v", c.args, err)
		}
		if !slices.Equal(pos, c.pos) || *j != c.json || *o != c.out {
			t.Errorf("%q: pos %q json %v out %q; want %q %v %q", c.args, pos, *j, *o, c.pos, c.json, c.out)
		}
	}
}

// noraw FILE fails when FILE holds a raw terminal control: ESC, BEL, a C1
// control or a bidirectional override or isolate.
func cmdNoRaw(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: noraw FILE")
	}
	text := ts.ReadFile(args[0])
	for i, r := range text {
		if r == 0x1b || r == 0x07 || r >= 0x80 && r < 0xa0 || r >= 0x202a && r <= 0x202e || r >= 0x2066 && r <= 0x2069 {
			ts.Fatalf("%s holds raw %U at byte %d", args[0], r, i)
		}
	}
}
