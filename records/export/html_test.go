package export

import (
	"bytes"
	"context"
	"errors"
	"image"
	"image/color"
	"image/png"
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

// testPNG is a real 120×80 PNG with a few colors.
func testPNG(t testing.TB) []byte {
	img := image.NewRGBA(image.Rect(0, 0, 120, 80))
	for y := range 80 {
		for x := range 120 {
			img.Set(x, y, color.RGBA{uint8(x * 2), uint8(y * 3), 180, 255})
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

var testNames = func(h string) string {
	return map[string]string{"+15550001": "Alice Example", "+15550002": "Bob"}[h]
}

// transcript is a small history: a 1:1 chat with Alice, a group and a
// chat with a hostile identifier, interleaved.
func transcript(t testing.TB) ([]*records.Message, fstest.MapFS) {
	pngBytes := testPNG(t)
	files := fstest.MapFS{
		"MediaDomain/Library/SMS/Attachments/aa/01/G1/IMG_0001.png":  {Data: pngBytes},
		"MediaDomain/Library/SMS/Attachments/bb/02/G2/evil.png":      {Data: pngBytes},
		"MediaDomain/Library/SMS/Attachments/cc/03/G3/IMG_0002.HEIC": {Data: []byte("heic bytes")},
		"MediaDomain/Library/SMS/Attachments/dd/04/G4/page.html":     {Data: []byte("<script>alert(2)</script>")},
	}
	alice := ptr("+15550001")
	bob := ptr("+15550002")
	trip := ptr("Trip 🏔️")
	group := []string{"+15550001", "+15550002"}
	msgs := []*records.Message{
		{RowID: 1, GUID: "a1", Chat: "+15550001", Service: "iMessage", Date: tm("2023-05-01T09:30:00Z"), Sender: alice, Text: "<script>alert(1)</script> hi"},
		{RowID: 10, GUID: "g1", Chat: "chat42", ChatName: trip, Participants: group, Service: "iMessage", Date: tm("2023-05-01T09:00:00Z"), Sender: bob, Text: "Who's in?"},
		{RowID: 3, GUID: "a3", Chat: "+15550001", Service: "iMessage", Date: tm("2023-05-01T09:32:00Z"), FromMe: true,
			Reaction: &records.Reaction{Type: "love", Target: "a1"}},
		{RowID: 2, GUID: "a2", Chat: "+15550001", Service: "iMessage", Date: tm("2023-05-01T09:31:00Z"), FromMe: true, Text: "\uFFFC",
			Attachments: []records.Attachment{{Name: "IMG_0001.png", MIME: "image/png", Domain: "MediaDomain", Path: "Library/SMS/Attachments/aa/01/G1/IMG_0001.png"}}},
		{RowID: 11, GUID: "g2", Chat: "chat42", ChatName: trip, Participants: group, Service: "iMessage", Date: tm("2023-05-01T09:05:00Z"), FromMe: true, Text: "Me!"},
		{RowID: 12, GUID: "g3", Chat: "chat42", ChatName: trip, Participants: group, Service: "iMessage", Date: tm("2023-05-01T09:06:00Z"), Sender: alice, Text: "Me too",
			ReplyTo: ptr("g1")},
		{RowID: 13, GUID: "g4", Chat: "chat42", ChatName: trip, Participants: group, Service: "iMessage", Date: tm("2023-05-01T09:07:00Z"), Sender: bob,
			Reaction: &records.Reaction{Type: "like", Target: "g2"}},
		{RowID: 14, GUID: "g5", Chat: "chat42", ChatName: trip, Participants: group, Service: "iMessage", Date: tm("2023-05-01T09:08:00Z"), Sender: alice,
			Reaction: &records.Reaction{Type: "laugh", Target: "g2"}},
		{RowID: 15, GUID: "g6", Chat: "chat42", ChatName: trip, Participants: group, Service: "iMessage", Date: tm("2023-05-01T09:09:00Z"), Sender: alice,
			Reaction: &records.Reaction{Type: "laugh", Target: "g2", Removed: true}},
		{RowID: 16, GUID: "g7", Chat: "chat42", ChatName: trip, Participants: group, Service: "iMessage", Date: tm("2023-05-02T08:00:00Z"), Sender: bob,
			GroupEvent: &records.GroupEvent{Kind: "renamed", Title: "Trip 🏔️"}},
		{RowID: 17, GUID: "g8", Chat: "chat42", ChatName: trip, Participants: group, Service: "iMessage", Date: tm("2023-05-02T08:01:00Z"), Sender: alice, Text: "Fixed typo",
			Edited: true, Edits: []records.Edit{{Date: tm("2023-05-02T08:01:00Z"), Text: "Fixed tpyo"}, {Date: tm("2023-05-02T08:02:00Z"), Text: "Fixed typo"}}},
		{RowID: 18, GUID: "g9", Chat: "chat42", ChatName: trip, Participants: group, Service: "iMessage", Date: tm("2023-05-02T08:03:00Z"), FromMe: true, Unsent: true},
		{RowID: 4, GUID: "a4", Chat: "+15550001", Service: "SMS", Date: tm("2023-05-01T09:33:00Z"), Sender: alice, Text: "photos:",
			Attachments: []records.Attachment{
				{Name: "IMG_0002.HEIC", MIME: "image/heic", Domain: "MediaDomain", Path: "Library/SMS/Attachments/cc/03/G3/IMG_0002.HEIC"},
				{Name: "lost.jpg", MIME: "image/jpeg", Domain: "MediaDomain", Path: "Library/SMS/Attachments/zz/lost.jpg", Missing: true},
				{Name: "../../../evil.png", MIME: "image/png", Domain: "MediaDomain", Path: "Library/SMS/Attachments/bb/02/G2/evil.png"},
				{Name: "page.html", MIME: "text/html", Domain: "MediaDomain", Path: "Library/SMS/Attachments/dd/04/G4/page.html"},
				{Name: "escape.png", MIME: "image/png", Domain: "MediaDomain", Path: "../../etc/passwd"},
			}},
		{RowID: 20, GUID: "h1", Chat: "../../etc/passwd", Service: "SMS", Date: tm("2023-04-01T00:00:00Z"), Sender: ptr("../../etc/passwd"), Text: "hostile"},
		{RowID: 21, GUID: "h2", Chat: "a/b", Date: tm("2023-04-02T00:00:00Z"), FromMe: true, Text: "ab1"},
		{RowID: 22, GUID: "h3", Chat: "A:B", Date: tm("2023-04-03T00:00:00Z"), FromMe: true, Text: "ab2"},
		{RowID: 23, GUID: "h4", Chat: "index", Date: tm("2023-04-04T00:00:00Z"), FromMe: true, Text: "not the index"},
	}
	return msgs, files
}

func readFile(t *testing.T, p string) string {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestHTML(t *testing.T) {
	parent := t.TempDir()
	dir := filepath.Join(parent, "out")
	msgs, files := transcript(t)
	loc := time.FixedZone("UTC+2", 2*3600)
	st, err := HTML(dir, withErr(seqOf(msgs...), 5, errBadRow), HTMLOptions{Names: testNames, Files: files, Location: loc, Title: "My <Messages>"})
	if st.Written != len(msgs) || st.Failed != 1 || !errors.Is(err, errBadRow) || errors.Is(err, ErrOutput) {
		t.Fatalf("stats %+v, err %v", st, err)
	}
	if st.Missing != 2 { // lost.jpg (Missing) and escape.png (invalid path)
		t.Errorf("missing = %d, want 2", st.Missing)
	}

	// Everything lands inside dir: the parent holds only dir.
	if ents, _ := os.ReadDir(parent); len(ents) != 1 || ents[0].Name() != "out" {
		t.Fatalf("parent holds %v", ents)
	}
	var got []string
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if !d.IsDir() {
			rel, _ := filepath.Rel(dir, p)
			got = append(got, filepath.ToSlash(rel))
		}
		return nil
	})
	want := []string{"+15550001.html", "A_B-2.html", "a_b.html", "attachments/1-IMG_0001.png", "attachments/2-IMG_0002.HEIC",
		"attachments/3-evil.png", "attachments/4-page.html.bin", "chat42.html", "etc_passwd.html", "index-2.html", "index.html"}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("files\n got %q\nwant %q", got, want)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "attachments/1-IMG_0001.png")); !bytes.Equal(b, testPNG(t)) {
		t.Error("attachment copy differs")
	}

	index := readFile(t, filepath.Join(dir, "index.html"))
	for _, s := range []string{
		`<title>My &lt;Messages&gt;</title>`,
		`<a href="&#43;15550001.html">Alice Example</a></td><td>Alice Example (&#43;15550001)</td><td class="n">3</td><td>2023-05-01 11:33</td>`,
		`<a href="chat42.html">Trip 🏔️</a></td><td>Alice Example (&#43;15550001), Bob (&#43;15550002)</td><td class="n">6</td><td>2023-05-02 10:03</td>`,
		`<a href="a_b.html">a/b</a></td><td>a/b</td>`,
		`<a href="etc_passwd.html">../../etc/passwd</a>`,
		`<a href="index-2.html">index</a>`,
	} {
		if !strings.Contains(index, s) {
			t.Errorf("index lacks %s", s)
		}
	}
	// Most recent conversation first.
	if strings.Index(index, "chat42.html") > strings.Index(index, "15550001.html") {
		t.Error("index not sorted by last date")
	}

	page := readFile(t, filepath.Join(dir, "+15550001.html"))
	if strings.Contains(page, "<script") || !strings.Contains(page, "&lt;script&gt;alert(1)&lt;/script&gt; hi") {
		t.Error("message text not escaped")
	}
	if strings.Contains(page, "+15550001</h1>") || !strings.Contains(page, "<h1>Alice Example</h1>") {
		t.Error("contact name not used as the title")
	}
	// Three bubbles (the reaction is not one), in date order, times in loc.
	if n := strings.Count(page, `<div class="msg`); n != 3 {
		t.Errorf("%d bubbles, want 3", n)
	}
	i1, i2, i3 := strings.Index(page, "alert(1)"), strings.Index(page, "1-IMG_0001.png"), strings.Index(page, "photos:")
	if !(i1 < i2 && i2 < i3) {
		t.Errorf("order %d %d %d", i1, i2, i3)
	}
	if !regexp.MustCompile(`alert\(1\)&lt;/script&gt; hi</div><div class="react">❤️ Me</div><div class="meta">11:30</div>`).MatchString(page) {
		t.Error("reaction not attached to its target, or time not in Location")
	}
	if !strings.Contains(page, `<a href="attachments/1-IMG_0001.png"><img src="attachments/1-IMG_0001.png" alt="IMG_0001.png" loading="lazy" decoding="async"></a>`) {
		t.Error("inline image missing")
	}
	if strings.Contains(page, "\uFFFC") {
		t.Error("object replacement character shown")
	}
	if !strings.Contains(page, `<div>📎 <a href="attachments/2-IMG_0002.HEIC">IMG_0002.HEIC (image/heic)</a></div>`) {
		t.Error("HEIC not a link")
	}
	if !strings.Contains(page, `📎 <a href="attachments/4-page.html.bin" download>page.html (text/html)</a> — download`) {
		t.Error("HTML attachment not a download link")
	}
	if !strings.Contains(page, `<img src="attachments/3-evil.png" alt="../../../evil.png" loading="lazy"`) {
		t.Error("hostile attachment name not confined")
	}
	if !strings.Contains(page, `📎 lost.jpg (image/jpeg) — missing`) || !strings.Contains(page, `📎 escape.png (image/png) — missing`) {
		t.Error("missing placeholder absent")
	}
	if !strings.Contains(page, `class="msg sms"`) || !strings.Contains(page, `class="msg me"`) {
		t.Error("bubble sides/classes wrong")
	}
	if strings.Contains(page, "http://") || strings.Contains(page, "https://") || strings.Contains(index, "https://") {
		t.Error("external URL in page")
	}

	grp := readFile(t, filepath.Join(dir, "chat42.html"))
	for _, s := range []string{
		`<div class="who" title="&#43;15550002">Bob</div><div class="bubble">Who&#39;s in?</div>`,
		`<div class="who" title="&#43;15550001">Alice Example</div><div class="bubble"><div class="quote"><b>Bob</b><br>Who&#39;s in?</div>Me too</div>`,
		`<div class="msg me"><div class="bubble">Me!</div><div class="react">👍 Bob</div>`,
		`<div class="sys">Bob named the conversation “Trip 🏔️” · 10:00</div>`,
		`Fixed typo</div><div class="meta">10:01 · Edited</div><details class="meta"><summary>Earlier versions</summary><div>2023-05-02 10:01: Fixed tpyo</div></details>`,
		`<span class="unsent">This message was unsent.</span>`,
		`<div class="day" id="d2023-05-01">Monday, 1 May 2023</div>`, `<div class="day" id="d2023-05-02">Tuesday, 2 May 2023</div>`,
	} {
		if !strings.Contains(grp, s) {
			t.Errorf("group page lacks %s", s)
		}
	}
	if strings.Contains(grp, "😂") {
		t.Error("removed reaction still shown")
	}
	if !strings.Contains(readFile(t, filepath.Join(dir, "etc_passwd.html")), "hostile") {
		t.Error("hostile chat page content")
	}
}

func TestHTMLOutputErrors(t *testing.T) {
	// dir is a file: nothing can be written.
	f := filepath.Join(t.TempDir(), "file")
	os.WriteFile(f, []byte("x"), 0o644)
	msgs, _ := transcript(t)
	_, err := HTML(f, seqOf(msgs...), HTMLOptions{})
	if !errors.Is(err, ErrOutput) {
		t.Errorf("err %v", err)
	}
	// A symlink planted where a page goes cannot lead outside dir.
	dir := t.TempDir()
	outside := filepath.Join(t.TempDir(), "target")
	os.WriteFile(outside, []byte("keep"), 0o644)
	if err := os.Symlink(outside, filepath.Join(dir, "index.html")); err != nil {
		t.Skip("no symlinks:", err)
	}
	// The page is written beside it and renamed over it: the link is
	// replaced, its target untouched.
	if _, err = HTML(dir, seqOf(msgs[0]), HTMLOptions{}); err != nil {
		t.Errorf("HTML: %v", err)
	}
	if b, _ := os.ReadFile(outside); string(b) != "keep" {
		t.Error("file outside dir was overwritten")
	}
	if st, err := os.Lstat(filepath.Join(dir, "index.html")); err != nil || !st.Mode().IsRegular() {
		t.Errorf("index.html is not a regular file: %v", err)
	}
}

func TestSafeBase(t *testing.T) {
	for in, want := range map[string]string{
		"../../etc/passwd": "etc_passwd", "..": "chat", "": "chat", "/": "chat", `C:\Windows\x`: "C_Windows_x",
		"+1 (555) 010-0000": "+1_555_010-0000", "chat123456": "chat123456", "Ünïcødé": "n_c_d", "CON": "_CON", "nul.txt": "_nul.txt",
		"user@example.com": "user@example.com", ".hidden": "hidden", strings.Repeat("x", 200): strings.Repeat("x", 80),
	} {
		if got := safeBase(in, 80); got != want {
			t.Errorf("safeBase(%q) = %q, want %q", in, got, want)
		}
	}
	used := map[string]bool{"index": true}
	if a, b, c := uniqueName("a_b", used), uniqueName("A_B", used), uniqueName("index", used); a != "a_b" || b != "A_B-2" || c != "index-2" {
		t.Errorf("uniqueName %q %q %q", a, b, c)
	}
}

func chromiumPath() string {
	for _, n := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(n); err == nil {
			return p
		}
	}
	return ""
}

// TestHTMLRendersInChromium renders index.html and a conversation page in
// headless Chromium and checks the screenshots are not blank.
func TestHTMLRendersInChromium(t *testing.T) {
	bin := chromiumPath()
	if bin == "" {
		if os.Getenv("IOSBACKUP_REQUIRE_CHROMIUM") == "1" {
			t.Fatal("chromium not found on PATH and IOSBACKUP_REQUIRE_CHROMIUM=1")
		}
		t.Skip("chromium not on PATH")
	}
	if testing.Short() {
		t.Skip("short mode")
	}
	dir := t.TempDir()
	msgs, files := transcript(t)
	if _, err := HTML(dir, seqOf(msgs...), HTMLOptions{Names: testNames, Files: files, Location: time.UTC}); err != nil {
		t.Fatal(err)
	}
	shots := os.Getenv("IOSBACKUP_SCREENSHOT_DIR") // keep the PNGs for a human look
	for _, page := range []string{"index.html", "+15550001.html", "chat42.html"} {
		tmp := t.TempDir()
		shot := filepath.Join(tmp, "shot.png")
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		cmd := exec.CommandContext(ctx, bin, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
			"--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
			"--user-data-dir="+filepath.Join(tmp, "profile"), "--screenshot="+shot, "--window-size=1000,800",
			"file://"+filepath.ToSlash(filepath.Join(dir, page)))
		out, err := cmd.CombinedOutput()
		cancel()
		b, rerr := os.ReadFile(shot)
		if rerr != nil {
			t.Fatalf("%s: no screenshot (%v, %v): %s", page, err, rerr, out)
		}
		img, err := png.Decode(bytes.NewReader(b))
		if err != nil {
			t.Fatalf("%s: screenshot is not a PNG: %v", page, err)
		}
		colors := map[color.RGBA]int{}
		bounds := img.Bounds()
		for y := bounds.Min.Y; y < bounds.Max.Y; y += 2 {
			for x := bounds.Min.X; x < bounds.Max.X; x += 2 {
				colors[color.RGBAModel.Convert(img.At(x, y)).(color.RGBA)]++
			}
		}
		most := 0
		for _, n := range colors {
			most = max(most, n)
		}
		total := (bounds.Dx() / 2) * (bounds.Dy() / 2)
		if len(colors) < 10 || most > total*995/1000 {
			t.Errorf("%s: screenshot nearly blank (%d colors, dominant %d/%d)", page, len(colors), most, total)
		}
		if shots != "" {
			os.WriteFile(filepath.Join(shots, strings.TrimSuffix(page, ".html")+".png"), b, 0o644)
		}
	}
}
