package dbfixture

import (
	"bytes"
	"testing"

	"github.com/iosbackup/iosbackup/internal/realdata"
)

// A plain text body must come out exactly as Messages writes it.
func TestAttributedBodyMatchesRealBlob(t *testing.T) {
	want := realdata.Read(t, "crabstep/src/test_data/AttributedBodyTextOnly")
	got := AttributedBody("Noter test")
	if !bytes.Equal(got, want) {
		t.Fatalf("AttributedBody(\"Noter test\") =\n% x\nwant\n% x", got, want)
	}
}
