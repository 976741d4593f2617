//go:build !linux || iosbackup_portable

package sqlitemem

const zeroCopy = false
