package kdf

import (
	"crypto/sha1"
	"crypto/sha256"
	"testing"
)

// Vector D of docs/FORMAT.md §16.2: a real iOS ≥ 10.2 keybag's parameters.
var (
	benchPassword = []byte("hashcat")
	benchDPSL     = []byte{0x42, 0x5b, 0x4b, 0xb4, 0xe2, 0x00, 0xb5, 0xfd, 0x4c, 0x66, 0x97, 0x9c, 0x9c, 0xac, 0xa3, 0x17, 0x16, 0x05, 0x20, 0x63}
	benchSALT     = make([]byte, 20)
	benchSink     []byte
)

func benchKey256(b *testing.B, iter int, sha bool) {
	if sha && !haveSHANI {
		b.Skip("SHA extensions not available")
	}
	savedSHA, savedStd := useSHANI, preferStdlib256
	useSHANI, preferStdlib256 = sha, false
	defer func() { useSHANI, preferStdlib256 = savedSHA, savedStd }()
	for b.Loop() {
		benchSink = Key256(benchPassword, benchDPSL, iter, 32)
	}
}

func benchStdlib(b *testing.B, iter int) {
	for b.Loop() {
		benchSink = stdlibKey(b, sha256.New, benchPassword, benchDPSL, iter, 32)
	}
}

// BenchmarkKey256_10M is the real unlock stage (DPIC 10,000,000).
func BenchmarkKey256_10M(b *testing.B)             { benchKey256(b, 10_000_000, haveSHANI) }
func BenchmarkStdlibPBKDF2SHA256_10M(b *testing.B) { benchStdlib(b, 10_000_000) }

// BenchmarkUnlock_10M is the whole iOS ≥ 10.2 derivation: both stages.
func BenchmarkUnlock_10M(b *testing.B) {
	for b.Loop() {
		k := Key256(benchPassword, benchDPSL, 10_000_000, 32)
		benchSink = Key1(k, benchSALT, 10_000, 32)
	}
}

func BenchmarkStdlibUnlock_10M(b *testing.B) {
	for b.Loop() {
		k := stdlibKey(b, sha256.New, benchPassword, benchDPSL, 10_000_000, 32)
		benchSink = stdlibKey(b, sha1.New, k, benchSALT, 10_000, 32)
	}
}

// Quick versions (100,000 iterations) for both code paths.
func BenchmarkKey256_100k(b *testing.B)             { benchKey256(b, 100_000, haveSHANI) }
func BenchmarkKey256Generic_100k(b *testing.B)      { benchKey256(b, 100_000, false) }
func BenchmarkStdlibPBKDF2SHA256_100k(b *testing.B) { benchStdlib(b, 100_000) }

// The second stage (ITER 10,000) with ours and stdlib.
func BenchmarkKey1_10k(b *testing.B) {
	for b.Loop() {
		benchSink = Key1(benchDPSL, benchSALT, 10_000, 32)
	}
}

func BenchmarkStdlibPBKDF2SHA1_10k(b *testing.B) {
	for b.Loop() {
		benchSink = stdlibKey(b, sha1.New, benchDPSL, benchSALT, 10_000, 32)
	}
}

// benchBlock measures one SHA-256 compression: a long buffer hashed in one
// call (the compressions are chained, so this is the latency-bound rate
// the PBKDF2 loop sees) and reported as ns/compression.
func benchBlock(b *testing.B, sha bool, blocks int) {
	if sha && !haveSHANI {
		b.Skip("SHA extensions not available")
	}
	saved := useSHANI
	useSHANI = sha
	defer func() { useSHANI = saved }()
	buf := make([]byte, 64*blocks)
	h := iv256
	b.SetBytes(int64(len(buf)))
	for b.Loop() {
		block256(&h, buf)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*blocks), "ns/compression")
}

func BenchmarkBlock256SHANI_1(b *testing.B)      { benchBlock(b, true, 1) }
func BenchmarkBlock256SHANI_1024(b *testing.B)   { benchBlock(b, true, 1024) }
func BenchmarkBlock256Generic_1(b *testing.B)    { benchBlock(b, false, 1) }
func BenchmarkBlock256Generic_1024(b *testing.B) { benchBlock(b, false, 1024) }

// BenchmarkIterate256 reports the cost of one PBKDF2 iteration (two
// compressions) in the active loop.
func BenchmarkIterate256(b *testing.B) {
	var st state256
	st.ipad, st.opad = iv256, iv256
	const n = 100_000
	for b.Loop() {
		iterate256(&st, n)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n*2), "ns/compression")
}
