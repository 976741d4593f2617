package fuzzcorpus

import "testing"

func TestEncode(t *testing.T) {
	got, err := Encode([]byte("a\x00\"b"), byte(3), true, "s", 7, int64(-2))
	want := "go test fuzz v1\n[]byte(\"a\\x00\\\"b\")\nbyte('\\x03')\nbool(true)\nstring(\"s\")\nint(7)\nint64(-2)\n"
	if err != nil || string(got) != want {
		t.Fatalf("got %q, %v", got, err)
	}
	if _, err := Encode(1.5); err == nil {
		t.Fatal("float accepted")
	}
}
