package backup

import (
	"crypto/rand"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"

	"github.com/iosbackup/iosbackup/internal/backuptest"
)

var (
	benchOnce sync.Once
	benchDir  string
	benchKEK  []byte
	benchErr  error
)

// benchBackup writes (once per process) the encrypted iOS 10.2+ backup of
// benchFiles, the extraction target of BENCHMARKS.md.
func benchBackup(b *testing.B) (string, []byte) { return benchBackupT(b) }

func benchBackupT(b testing.TB) (string, []byte) {
	benchOnce.Do(func() {
		benchDir, benchErr = os.MkdirTemp("", "iosbackup-bench")
		if benchErr != nil {
			return
		}
		res, err := backuptest.Write(benchDir, backuptest.Options{Era: backuptest.Era10_2, Encrypted: true, Password: "bench", ParentDirs: true}, benchFiles())
		if err != nil {
			benchErr = err
			return
		}
		benchKEK = res.KEK
	})
	if benchErr != nil {
		b.Fatal(benchErr)
	}
	return benchDir, benchKEK
}

// BenchmarkExtract extracts the whole backup with a saved key (in
// process: the figure leaves out starting the program and opening the
// backup).
func BenchmarkExtract(b *testing.B) {
	dir, kek := benchBackup(b)
	bk, err := Open(dir)
	if err != nil {
		b.Fatal(err)
	}
	defer bk.Close()
	if err := bk.UnlockWithKey(kek); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(512<<20 + 1500*7000)
	for b.Loop() {
		dest := b.TempDir()
		rep, err := bk.Extract(b.Context(), dest, nil)
		if err != nil || rep.Files != 1759 {
			b.Fatalf("%v %+v", err, rep)
		}
		b.StopTimer()
		os.RemoveAll(dest)
		b.StartTimer()
	}
}

// BenchmarkCopyReference runs `cp -r` of the same backup folder: the
// reference the extraction target is measured against.
func BenchmarkCopyReference(b *testing.B) {
	dir, _ := benchBackup(b)
	b.SetBytes(512<<20 + 1500*7000)
	for b.Loop() {
		dest := filepath.Join(b.TempDir(), "copy")
		if out, err := exec.Command("cp", "-r", dir, dest).CombinedOutput(); err != nil {
			b.Fatalf("%v: %s", err, out)
		}
		b.StopTimer()
		os.RemoveAll(dest)
		b.StartTimer()
	}
}

// BenchmarkReadLargeFile decrypts the 512 MiB file through the fs.FS.
func BenchmarkReadLargeFile(b *testing.B) {
	dir, kek := benchBackup(b)
	bk, _ := Open(dir)
	defer bk.Close()
	if err := bk.UnlockWithKey(kek); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(512 << 20)
	for b.Loop() {
		f, err := bk.Open("CameraRollDomain/Media/DCIM/100APPLE/IMG_0001.MOV")
		if err != nil {
			b.Fatal(err)
		}
		if _, err := io.Copy(io.Discard, f); err != nil {
			b.Fatal(err)
		}
		f.Close()
	}
}

var _ fs.FS = (*Backup)(nil)

// TestMain removes the large benchmark backups when the run ends.
func TestMain(m *testing.M) {
	code := m.Run()
	if benchDir != "" {
		os.RemoveAll(benchDir)
	}
	manifestBench.Lock()
	for _, d := range manifestBench.dirs {
		os.RemoveAll(d)
	}
	manifestBench.Unlock()
	os.Exit(code)
}

// BenchmarkExtractSized extracts one encrypted file of 5, 50 and 500 MiB,
// to show how the cost grows with size.
func BenchmarkExtractSized(b *testing.B) {
	for _, mib := range []int{5, 50, 500} {
		b.Run(fmt.Sprintf("MiB=%d", mib), func(b *testing.B) {
			dir := b.TempDir()
			data := make([]byte, mib<<20)
			rand.Read(data[:1<<20])
			for i := 1 << 20; i < len(data); i += 1 << 20 {
				copy(data[i:], data[:1<<20])
			}
			res, err := backuptest.Write(dir, backuptest.Options{Era: backuptest.Era10_2, Encrypted: true, Password: "bench"},
				[]backuptest.File{{Domain: "CameraRollDomain", Path: "Media/DCIM/100APPLE/IMG_0002.MOV", Data: data}})
			if err != nil {
				b.Fatal(err)
			}
			data = nil
			bk, err := Open(dir)
			if err != nil {
				b.Fatal(err)
			}
			defer bk.Close()
			if err := bk.UnlockWithKey(res.KEK); err != nil {
				b.Fatal(err)
			}
			b.SetBytes(int64(mib) << 20)
			for b.Loop() {
				dest := b.TempDir()
				if rep, err := bk.Extract(b.Context(), dest, nil); err != nil || rep.Files != 1 {
					b.Fatal(rep, err)
				}
				b.StopTimer()
				os.RemoveAll(dest)
				b.StartTimer()
			}
		})
	}
}
