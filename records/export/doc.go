// Package export writes contacts, messages and calls in the formats people
// migrate with: vCard 3.0, CSV, JSON Lines, a readable HTML transcript and
// the XML of Android's "SMS Backup & Restore" app; calendar events and
// reminders as iCalendar (EventsICS, RemindersICS), JSON Lines and CSV.
//
// Every writer takes its records as an iter.Seq2[*T, error] (the shape of
// the records readers) and returns Stats: records written, failed
// (an error from the iterator, a nil record or one the format cannot
// hold: counted, kept in Stats.Errors up to MaxRowErrors, and skipped),
// skipped on
// purpose, and attachments missing. The returned error joins the row
// errors; a failure to write the output stops the export and is marked
// with ErrOutput. Names of contacts come from a func(handle string)
// string, such as records.Resolver.Name; the package depends on nothing
// but the record types.
//
// # JSON Lines
//
// JSONL writes one object per line: the JSON form of the record types,
// the one their MarshalJSON returns (records/json.go, docs/CLI.md). Dates
// are RFC 3339 UTC with milliseconds (2023-05-01T09:30:12.345Z), absent
// values null, lists [] when empty, no HTML escaping; the invisible and
// bidirectional control characters are escaped as \uXXXX.
//
// # CSV
//
// ContactsCSV, MessagesCSV and CallsCSV write a header row of column
// names then one row per record. Multi-valued fields are joined "Mobile: +1 555…; Home: …", attachments "name (mime,
// N bytes)", addresses on one line; dates as in JSON Lines; booleans
// true/false. Cells that would start a spreadsheet formula are prefixed
// with an apostrophe (phone numbers are left as they are).
//
// # vCard
//
// VCard builds each card with github.com/emersion/go-vcard and writes it
// with its Encoder (vCard 3.0, CRLF; backslash, comma and newline
// escaped), folding lines at 75 octets; invalid UTF-8 is repaired and
// control characters dropped. go-vcard cannot escape ';' inside one
// component of N, ADR or ORG, so such a ';' is written as ','; groups are
// one CATEGORIES property each, since the encoder escapes list commas. Properties: N (family; given; middle;
// prefix; suffix), FN (records.FormattedName: the name parts in the order
// the phone shows them, family name first for CJK script, else
// organization, nickname, first phone or email), NICKNAME,
// X-PHONETIC-FIRST/MIDDLE/LAST-NAME, ORG (organization;department, with
// the organization's reading in SORT-AS, which Android's importer takes
// as the phonetic company name), X-PHONETIC-ORG (the same reading, as
// Apple writes and reads it), TITLE, X-ABShowAs:COMPANY for organizations,
// BDAY (YYYY-MM-DD, or --MM-DD without a year; other values are left out),
// TEL, EMAIL, ADR (;;street;city;state;zip;country, plus X-ABADR with the
// lower-case country code), URL, IMPP (Skype, Jabber/XMPP, AIM, ICQ, MSN,
// Yahoo… without a URL) or X-SOCIALPROFILE (TYPE=service, X-USER=name, the
// profile URL) for profiles, X-ABRELATEDNAMES and X-ABDATE, NOTE,
// X-IBACKUP-DELETED (or X-IBACKUP-EARLIER-VERSION) with where a
// recovered contact was found (as in recoveryNote), CATEGORIES (groups),
// REV (modification date) and PHOTO (ENCODING=b, TYPE=JPEG/PNG/GIF sniffed from the bytes).
//
// Labels become TYPE values where a standard one exists: Mobile → CELL,VOICE;
// iPhone → IPHONE,CELL,VOICE; Home → HOME (+VOICE for phones, INTERNET for
// emails); Work → WORK; Main → MAIN,VOICE; HomeFAX/WorkFAX/OtherFAX →
// HOME/WORK/OTHER,FAX; Pager → PAGER; Other → OTHER. Any other label
// (School, HomePage, custom text) is kept in an X-ABLabel property grouped
// with its value (item1.TEL…, item1.X-ABLabel:School), the convention of
// Apple's own export, which iOS, macOS and Google Contacts read back.
// go-vcard's decoder reads the output back in the tests.
//
// # HTML
//
// HTML writes one page per conversation, named after the chat identifier,
// plus index.html (name, participants, message count, last date, link).
// Messages are in date order, from-me bubbles on the right, the sender's
// name above bubbles in groups, contact names in place of numbers where
// known, dates in HTMLOptions.Location. Tapbacks are listed under their
// target ("❤️ Alice"), removed tapbacks take the earlier one away; replies
// quote their target; edited messages are marked (with earlier versions
// under a <details>), unsent ones say so; group events are system lines.
// Attachments are copied to dir/attachments/N-name and shown with <img>
// for JPEG, PNG, GIF, WebP and BMP, a link otherwise (HEIC, video…), or a
// "missing" placeholder. CSS is inline; there is no JavaScript and no
// external URL. All messages are kept in memory until the input ends
// (pages need date order and reactions need their targets); attachments
// are streamed to disk as they arrive.
//
// # Android XML
//
// AndroidSMS writes <smses count="N"> with <sms> for one-to-one text
// messages (type 1 received, 2 sent; date and date_sent in Java
// milliseconds; readable_date and contact_name for display) and <mms>
// (msg_box 1/2, m_type 132/128, address "a~b" for groups, a SMIL part,
// the attachments base64 in data, the text in a text/plain part with
// chset 106, addr type 137 from and 151 to, charset 106) for groups and
// attachments. Tapbacks are skipped unless AndroidOptions.ReactionsAsText
// renders them as iMessage does for SMS ("Loved “…”"); group events,
// unsent and empty messages are skipped. Since count comes first, the
// records are kept in memory (attachment bytes are not: they stream from
// AndroidOptions.Files to the output); nothing is written to temporary
// files. AndroidCalls writes <calls count="N"> with <call> elements
// (type 1 incoming, 2 outgoing, 3 missed; duration in seconds).
// Attribute values escape markup, quotes, tab, CR and LF, and drop
// characters XML 1.0 forbids; emoji are written as UTF-8.
//
// # Text
//
// ContactsText, CallsText, MessagesText, EventsText and RemindersText
// lay records out for people, as ibackup's --format text shows them: a
// contact with its details on indented lines, one aligned line per call,
// messages grouped by conversation with tapbacks, replies, group events
// and attachments in words, times in TextOptions.Location named on the
// first line; an event or a reminder per line with its details below. Every
// value from the backup is escaped for a terminal: control characters,
// escape sequences, bidirectional controls and invalid UTF-8 are shown as
// visible escapes (\e, \x07, \u{202E}, \xff), and only a message body
// and notes keep their line breaks. The layout is for reading, not parsing.
//
// # Problems
//
// A record read only in part carries the list of what could not be read
// in its Problems field. CountProblems passes records on to any writer
// while counting such records in a Problems value, with the first few
// named ("message 12: …"), so that a program can tell its user which
// records are incomplete, as ibackup does on standard error.
//
// # Security
//
// The HTML pages are built with html/template: every text from a message,
// contact or file name is escaped for its context, so a message holding
// <script> shows as text. Pages carry a Content-Security-Policy that
// forbids scripts and remote loads. What a page does with an attachment is
// decided from its name as saved, with an allow-list of passive types
// (images, HEIC photos, audio, video, PDF, plain text); anything else
// (HTML, SVG, XML feeds, unknown types, which Chromium would sniff as
// HTML on file:// pages and ignore the download attribute) is saved
// with the extension ".bin" and offered as a download. Pages and
// attachments are files of mode 0600 in folders of mode 0700, each
// written under a temporary name and renamed when complete. Long
// conversations are split into pages (HTMLOptions.PageSize) with
// navigation and a date index; every page names its time zone; images
// load lazily; HEIC photos are shown as JPEGs made by a WebAssembly
// build of libheif (see heic.go), the original kept beside them. Every file is created through an os.Root opened on
// dir, with names built from ASCII letters, digits and "+-_.@" only (no
// separators, no leading dots, at most 80 or 100 bytes, Windows device
// names avoided, collisions numbered), so a hostile chat identifier or
// attachment name such as ../../etc/passwd cannot write outside dir, even
// through a symbolic link. Attachments are read from the fs.FS given,
// whose paths must pass fs.ValidPath. CSV cells are defused against
// formula injection; XML and vCard values are escaped.
//
// # Concurrency
//
// The functions keep no shared state; run them concurrently on different
// outputs freely.
package export
