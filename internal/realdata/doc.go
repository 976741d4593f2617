// Package realdata locates the shared real-world test data (never copied
// into this repository) for tests.
//
// The folder is taken from IOSBACKUP_REALDATA (a relative value is taken
// relative to the module root), else ../shared/realdata beside the module.
// When it is absent a test skips, unless CI is set, when it fails.
package realdata
