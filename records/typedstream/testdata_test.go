package typedstream_test

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/iosbackup/iosbackup/internal/dbfixture"
)

// The examples read attributedBody blobs committed in testdata, written by
// the module's own encoder (dbfixture) as Messages writes them;
// IOSBACKUP_WRITE_TESTDATA=1 rewrites them.
var testdataBlobs = map[string][]byte{
	"text.typedstream":       dbfixture.AttributedBody("Lunch at noon?"),
	"attachment.typedstream": dbfixture.AttributedBody("\uFFFCHere is the map", "ATT-GUID-1"),
}

func TestTestdataBlobs(t *testing.T) {
	for name, want := range testdataBlobs {
		path := filepath.Join("testdata", name)
		if os.Getenv("IOSBACKUP_WRITE_TESTDATA") == "1" {
			if err := os.WriteFile(path, want, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		got, err := os.ReadFile(path)
		if err != nil || !bytes.Equal(got, want) {
			t.Errorf("%s differs from the encoder's output (IOSBACKUP_WRITE_TESTDATA=1 rewrites it): %v", path, err)
		}
	}
}
