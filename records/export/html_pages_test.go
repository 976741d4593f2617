package export

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"html"
	"image"
	"image/color"
	"image/jpeg"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/iosbackup/iosbackup/records"
)

// TestSavedName checks that the decision to link or show an attachment is
// taken on the name as saved, from an allow-list of passive types.
func TestSavedName(t *testing.T) {
	cases := []struct {
		name, saved string
		image, dl   bool
	}{
		{"IMG_0001.JPG", "1-IMG_0001.JPG", true, false},
		{"photo.heic", "1-photo.heic", false, false},
		{"clip.mp4", "1-clip.mp4", false, false},
		{"doc.pdf", "1-doc.pdf", false, false},
		{"notes.txt", "1-notes.txt", false, false},
		{"evil.svg.", "1-evil.svg.bin", false, true},
		{"page.html_", "1-page.html.bin", false, true},
		{"page.html\u00a0", "1-page.html.bin", false, true},
		{"x.pdf\u00a0.html", "1-x.pdf_.html.bin", false, true},
		{"a.xhtm", "1-a.xhtm.bin", false, true},
		{"a.shtm", "1-a.shtm.bin", false, true},
		{"feed.rss", "1-feed.rss.bin", false, true},
		{"feed.atom", "1-feed.atom.bin", false, true},
		{"img.svg", "1-img.svg.bin", false, true},
		{"voice.caf", "1-voice.caf.bin", false, true},
		{"contact.vcf", "1-contact.vcf.bin", false, true},
		{"noext", "1-noext.bin", false, true},
		{"../../x.png", "1-x.png", true, false},
	}
	for _, c := range cases {
		saved, v := savedName(1, c.name)
		if saved != c.saved || v.Image != c.image || v.Download != c.dl {
			t.Errorf("savedName(%q) = %q image %v download %v; want %q %v %v", c.name, saved, v.Image, v.Download, c.saved, c.image, c.dl)
		}
	}
}

// TestHTMLFilesPrivate checks that every file is 0600, every folder
// 0700, and no temporary file is left.
func TestHTMLFilesPrivate(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "out")
	msgs, files := transcript(t)
	if _, err := HTML(dir, seqOf(msgs...), HTMLOptions{Names: testNames, Files: files}); err != nil {
		t.Fatal(err)
	}
	n := 0
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		st, err := os.Lstat(p)
		if err != nil {
			return err
		}
		want := fs.FileMode(0o600)
		if d.IsDir() {
			want = 0o700
		}
		if st.Mode().Perm() != want {
			t.Errorf("%s: mode %o, want %o", p, st.Mode().Perm(), want)
		}
		if strings.HasPrefix(d.Name(), ".tmp-") {
			t.Errorf("temporary file left: %s", p)
		}
		n++
		return nil
	})
	if err != nil || n < 8 {
		t.Fatalf("walk: %v, %d entries", err, n)
	}
}

// TestHTMLHEICPreview checks that a HEIC photo is shown as a JPEG made
// from it, the original kept beside it. photo.heic is a 320×240 gradient
// (red x*256/320, green y*256/240, blue 120) encoded with 4:2:0 chroma by
// libheif's heif-enc (heif-enc -q 40).
func TestHTMLHEICPreview(t *testing.T) {
	heic, err := os.ReadFile("testdata/photo.heic")
	if err != nil {
		t.Fatal(err)
	}
	files := fstest.MapFS{"MediaDomain/Library/SMS/Attachments/ab/IMG_4001.HEIC": {Data: heic}}
	msgs := []*records.Message{{RowID: 1, GUID: "h1", Chat: "+15550001", Service: "iMessage", Date: tm("2024-03-01T10:00:00Z"),
		Sender: ptr("+15550001"), Attachments: []records.Attachment{{Name: "IMG_4001.HEIC", MIME: "image/heic",
			Domain: "MediaDomain", Path: "Library/SMS/Attachments/ab/IMG_4001.HEIC"}}}}
	dir := t.TempDir()
	st, err := HTML(dir, seqOf(msgs...), HTMLOptions{Files: files, Location: time.UTC})
	if err != nil || st.Missing != 0 {
		t.Fatalf("HTML: %v, %+v", err, st)
	}
	orig, _ := os.ReadFile(filepath.Join(dir, "attachments/1-IMG_4001.HEIC"))
	if string(orig) != string(heic) {
		t.Error("original HEIC not kept")
	}
	f, err := os.Open(filepath.Join(dir, "attachments/1-IMG_4001.jpg"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := jpeg.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	if b := img.Bounds(); b.Dx() != 320 || b.Dy() != 240 {
		t.Errorf("preview is %v, want 320×240", b)
	}
	// The gradient, within the losses of two lossy codecs.
	for _, p := range []struct{ x, y, r, g, b int }{{10, 120, 8, 128, 120}, {160, 120, 128, 128, 120}, {300, 20, 240, 21, 120}} {
		r, g, b, _ := img.At(p.x, p.y).RGBA()
		if abs(int(r>>8)-p.r) > 16 || abs(int(g>>8)-p.g) > 16 || abs(int(b>>8)-p.b) > 16 {
			t.Errorf("preview at %d,%d is %d,%d,%d; want about %d,%d,%d", p.x, p.y, r>>8, g>>8, b>>8, p.r, p.g, p.b)
		}
	}
	page := html.UnescapeString(readFile(t, filepath.Join(dir, "+15550001.html")))
	for _, s := range []string{
		`<img src="attachments/1-IMG_4001.jpg" alt="IMG_4001.HEIC" loading="lazy" decoding="async">`,
		`<a href="attachments/1-IMG_4001.HEIC" download>IMG_4001.HEIC (image/heic)</a> — original`,
		`Times are in UTC (UTC+00:00)`,
	} {
		if !strings.Contains(page, s) {
			t.Errorf("page lacks %s", s)
		}
	}
}

func abs(n int) int { return max(n, -n) }

// longChat is n messages, about 30 a day, with an image every 25th.
func longChat(n int) ([]*records.Message, fstest.MapFS) {
	files := fstest.MapFS{}
	start := time.Date(2022, 1, 1, 8, 0, 0, 0, time.UTC)
	msgs := make([]*records.Message, n)
	for i := range n {
		d := start.Add(time.Duration(i) * 48 * time.Minute)
		m := &records.Message{RowID: int64(i + 1), GUID: fmt.Sprintf("m%d", i), Chat: "+15550001", Service: "iMessage",
			Date: &d, Text: fmt.Sprintf("message number %d with some words to make it about as long as a real one", i)}
		if i%2 == 0 {
			m.FromMe = true
		} else {
			m.Sender = ptr("+15550001")
		}
		if i%25 == 0 {
			p := fmt.Sprintf("Library/SMS/Attachments/%d/IMG_%d.jpg", i, i)
			files["MediaDomain/"+p] = &fstest.MapFile{Data: []byte("\xff\xd8\xff")}
			m.Attachments = []records.Attachment{{Name: fmt.Sprintf("IMG_%d.jpg", i), MIME: "image/jpeg", Domain: "MediaDomain", Path: p}}
		}
		msgs[i] = m
	}
	return msgs, files
}

// TestHTMLLongChatPages renders a 20,000-message chat: it is split into
// pages of bounded size, each with navigation, the date index, the time
// zone and lazily loaded media.
func TestHTMLLongChatPages(t *testing.T) {
	msgs, files := longChat(20000)
	dir := t.TempDir()
	tokyo, err := time.LoadLocation("Asia/Tokyo")
	if err != nil {
		t.Skip("no zoneinfo:", err)
	}
	st, err := HTML(dir, seqOf(msgs...), HTMLOptions{Names: testNames, Files: files, Location: tokyo})
	if err != nil || st.Written != 20000 {
		t.Fatalf("HTML: %v, %+v", err, st)
	}
	pages, _ := filepath.Glob(filepath.Join(dir, "+15550001*.html"))
	if len(pages) < 10 || len(pages) > 21 {
		t.Fatalf("%d pages", len(pages))
	}
	bubbles, imgs := 0, 0
	months := regexp.MustCompile(`<a href="\+15550001(-p\d+)?\.html#d\d{4}-\d{2}-\d{2}">`)
	for _, p := range pages {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		page := html.UnescapeString(string(b))
		if len(b) > 1<<20 {
			t.Errorf("%s: %d bytes, want at most 1 MiB", filepath.Base(p), len(b))
		}
		n := strings.Count(page, `<div class="msg`)
		if n > 2*defaultPageSize {
			t.Errorf("%s: %d messages", filepath.Base(p), n)
		}
		bubbles += n
		imgs += strings.Count(page, "<img ")
		if c := strings.Count(page, "<img "); c != strings.Count(page, `loading="lazy"`) {
			t.Errorf("%s: %d images, %d lazy", filepath.Base(p), c, strings.Count(page, `loading="lazy"`))
		}
		if !strings.Contains(page, "Times are in Asia/Tokyo (JST, UTC+09:00)") {
			t.Errorf("%s: time zone not named", filepath.Base(p))
		}
		if !regexp.MustCompile(`Page \d+ of \d+`).MatchString(page) {
			t.Errorf("%s: no page navigation", filepath.Base(p))
		}
		// 20,000 messages at 30 a day span about 22 months: every page
		// links every month.
		if c := len(months.FindAllString(page, -1)); c < 40 { // top and bottom
			t.Errorf("%s: %d month links", filepath.Base(p), c)
		}
	}
	if bubbles != 20000 || imgs != 800 {
		t.Errorf("%d bubbles and %d images over the pages, want 20000 and 800", bubbles, imgs)
	}
	first := html.UnescapeString(readFile(t, filepath.Join(dir, "+15550001.html")))
	if !strings.Contains(first, `<a href="+15550001-p2.html" rel="next">Later →</a>`) || strings.Contains(first, `rel="prev"`) {
		t.Error("first page navigation wrong")
	}
	if !strings.Contains(first, `<a href="+15550001.html#d2022-01-01">Jan</a>`) {
		t.Error("date index lacks January 2022")
	}
	index := html.UnescapeString(readFile(t, filepath.Join(dir, "index.html")))
	if !strings.Contains(index, fmt.Sprintf("20000 (%d pages)", len(pages))) || !strings.Contains(index, "Times are in Asia/Tokyo") {
		t.Error("index lacks the page count or the zone")
	}
}

// TestHTMLCanceled checks that a canceled export stops and leaves no
// temporary file.
func TestHTMLCanceled(t *testing.T) {
	msgs, files := longChat(3000)
	ctx, cancel := context.WithCancel(context.Background())
	seq := func(yield func(*records.Message, error) bool) {
		for i, m := range msgs {
			if i == 100 {
				cancel()
			}
			if !yield(m, nil) {
				return
			}
		}
	}
	dir := t.TempDir()
	_, err := HTML(dir, seq, HTMLOptions{Files: files, Context: ctx})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err %v, want context.Canceled", err)
	}
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && strings.HasPrefix(d.Name(), ".tmp-") {
			t.Errorf("temporary file left: %s", p)
		}
		if err == nil && strings.HasSuffix(p, ".html") {
			t.Errorf("page written after cancel: %s", p)
		}
		return nil
	})
}

// TestHTMLChromiumOpenTime measures (does not assert) how long headless
// Chromium takes to open a 20,000-message transcript with 800 photos:
// the first page as written, the same chat forced onto one page, and an
// empty page for Chromium's own start-up. Run with
// IOSBACKUP_MEASURE_CHROMIUM=1 -v; the figures go to BENCHMARKS.md.
func TestHTMLChromiumOpenTime(t *testing.T) {
	if os.Getenv("IOSBACKUP_MEASURE_CHROMIUM") != "1" {
		t.Skip("set IOSBACKUP_MEASURE_CHROMIUM=1 to measure")
	}
	bin := chromiumPath()
	if bin == "" {
		t.Skip("chromium not on PATH")
	}
	msgs, files := longChat(20000)
	photo := testJPEG(t)
	for name, f := range files {
		f.Data = photo
		files[name] = f
	}
	paged, single := t.TempDir(), t.TempDir()
	if _, err := HTML(paged, seqOf(msgs...), HTMLOptions{Files: files, Location: time.UTC}); err != nil {
		t.Fatal(err)
	}
	if _, err := HTML(single, seqOf(msgs...), HTMLOptions{Files: files, Location: time.UTC, PageSize: 1 << 30}); err != nil {
		t.Fatal(err)
	}
	empty := filepath.Join(t.TempDir(), "empty.html")
	os.WriteFile(empty, []byte("<!DOCTYPE html><title>x</title>"), 0o600)
	open := func(page string) time.Duration {
		best := time.Duration(1 << 62)
		for range 3 {
			prof := t.TempDir()
			start := time.Now()
			cmd := exec.Command(bin, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
				"--disable-component-update", "--disable-sync", "--disable-dev-shm-usage", "--user-data-dir="+prof,
				"--window-size=1000,800", "--dump-dom", "file://"+page)
			if out, err := cmd.Output(); err != nil || len(out) == 0 {
				t.Fatalf("%s: %v", page, err)
			}
			best = min(best, time.Since(start))
		}
		return best
	}
	for _, c := range []struct{ what, page string }{
		{"empty page (Chromium start-up)", empty},
		{"first page of 20 (1000 messages, lazy images)", filepath.Join(paged, "+15550001.html")},
		{"one page of 20,000 messages (lazy images)", filepath.Join(single, "+15550001.html")},
	} {
		st, _ := os.Stat(c.page)
		t.Logf("%-48s %8d bytes  %v", c.what, st.Size(), open(c.page).Round(10*time.Millisecond))
	}
}

// testJPEG is a 1024×768 photo-like JPEG (about 100 KB).
func testJPEG(t testing.TB) []byte {
	img := image.NewRGBA(image.Rect(0, 0, 1024, 768))
	seed := uint32(1)
	for y := range 768 {
		for x := range 1024 {
			seed = seed*1664525 + 1013904223
			n := uint8(seed >> 27)
			img.Set(x, y, color.RGBA{uint8(x/4) + n, uint8(y/3) + n, 140 + n, 255})
		}
	}
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, &jpeg.Options{Quality: 80}); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}
