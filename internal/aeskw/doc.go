// Package aeskw implements the AES key wrap algorithm of RFC 3394, which
// iOS backups use for class keys, file keys and the Manifest key.
package aeskw
