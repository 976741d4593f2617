package fuzzcorpus

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"testing"
)

// WriteEnv is the variable that makes Check (re)write the corpora.
const WriteEnv = "IOSBACKUP_WRITE_CORPUS"

// Encode returns a corpus file ("go test fuzz v1") holding vals, which may
// be []byte, string, byte, bool, int or int64.
func Encode(vals ...any) ([]byte, error) {
	var b bytes.Buffer
	b.WriteString("go test fuzz v1\n")
	for _, v := range vals {
		switch x := v.(type) {
		case []byte:
			fmt.Fprintf(&b, "[]byte(%s)\n", strconv.Quote(string(x)))
		case string:
			fmt.Fprintf(&b, "string(%s)\n", strconv.Quote(x))
		case byte:
			fmt.Fprintf(&b, "byte(%q)\n", x)
		case bool:
			fmt.Fprintf(&b, "bool(%v)\n", x)
		case int:
			fmt.Fprintf(&b, "int(%d)\n", x)
		case int64:
			fmt.Fprintf(&b, "int64(%d)\n", x)
		default:
			return nil, fmt.Errorf("fuzzcorpus: unsupported value %T", v)
		}
	}
	return b.Bytes(), nil
}

// Check writes seeds as testdata/fuzz/<name>/seed-NN when WriteEnv is 1
// (each seed being the values of one fuzz call), then fails the test
// unless that folder holds at least one corpus file, all well-formed.
func Check(t testing.TB, name string, seeds [][]any) {
	t.Helper()
	dir := filepath.Join("testdata", "fuzz", name)
	if os.Getenv(WriteEnv) == "1" {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		for i, s := range seeds {
			data, err := Encode(s...)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("seed-%02d", i)), data, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	des, err := os.ReadDir(dir)
	if err != nil || len(des) == 0 {
		t.Fatalf("fuzz corpus %s is empty: %v", dir, err)
	}
	for _, de := range des {
		b, err := os.ReadFile(filepath.Join(dir, de.Name()))
		if err != nil || !bytes.HasPrefix(b, []byte("go test fuzz v1\n")) {
			t.Fatalf("%s: not a fuzz corpus file: %v", de.Name(), err)
		}
	}
}

// Bytes turns single-value seeds into Check's form.
func Bytes(seeds [][]byte) [][]any {
	out := make([][]any, len(seeds))
	for i, s := range seeds {
		out[i] = []any{s}
	}
	return out
}
