//go:build linux && !iosbackup_portable

package sqlitemem

// zeroCopy: connections read the Buffer in place (Linux).
const zeroCopy = true
