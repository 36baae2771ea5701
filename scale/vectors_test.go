package scale

import (
	"bytes"
	"encoding/hex"
	"math/big"
	"math/rand/v2"
	"strings"
	"testing"
)

const (
	alicePub  = "d43593c715fdd31c61141abd04a99fd6822c8558854ccde39a5684e7a56da27d"
	aliceSS58 = "5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY"
)

func TestHasherVectors(t *testing.T) {
	tests := []struct {
		h    Hasher
		in   string
		want string
	}{
		{Twox128, "System", "26aa394eea5630e07c48ae0c9558cef7"},
		{Twox128, "Account", "b99d880ec681799c0cf30e8886371da9"},
		{Twox128, "SubtensorModule", "658faa385070e074c85bf6b568cf0555"},
		{Twox128, "Tempo", "7641384bb339f3758acddfd7053d3317"},
		// xxHash64 of the empty input with seed 0 is 0xef46db3751d8e999.
		{Twox64Concat, "", "99e9d85137db46ef"},
		{Identity, "abc", "616263"},
		// BLAKE2b-256 of the empty input.
		{Blake2_256, "", "0e5751c026e543b2e8ab2eb06099daa1d1e5df47778f7787faab45cdf12fe3a8"},
		{Blake2_128Concat, "", "cae66941d9efbd404e4d88758ea67670"},
	}
	for _, tt := range tests {
		got := hex.EncodeToString(tt.h.Hash([]byte(tt.in)))
		if got != tt.want {
			t.Errorf("%s(%q) = %s, want %s", tt.h, tt.in, got, tt.want)
		}
	}
	if got := hex.EncodeToString(StoragePrefix("System", "Account")); got != "26aa394eea5630e07c48ae0c9558cef7b99d880ec681799c0cf30e8886371da9" {
		t.Errorf("System.Account prefix %s", got)
	}
	for _, name := range []string{"twox64concat", "Blake2_128Concat", "identity", "TWOX128"} {
		if _, err := ParseHasher(name); err != nil {
			t.Error(err)
		}
	}
	if _, err := ParseHasher("sha256"); err == nil {
		t.Error("ParseHasher(sha256) succeeded")
	}
}

func TestStorageKeys(t *testing.T) {
	bothMeta(t, func(t *testing.T, m *Metadata) {
		acct, _ := m.Storage("System", "Account")
		want := "26aa394eea5630e07c48ae0c9558cef7b99d880ec681799c0cf30e8886371da9de1e86a9a8c739864cf3cc5ec2bea59f" + alicePub
		for _, arg := range []any{aliceSS58, "0x" + alicePub, mustHex(t, alicePub)} {
			key, err := acct.Key(arg)
			if err != nil || hex.EncodeToString(key) != want {
				t.Fatalf("System.Account key of %v = %x, %v", arg, key, err)
			}
			ks, err := acct.DecodeKey(key)
			if err != nil || len(ks) != 1 || ks[0].String() != aliceSS58 {
				t.Fatalf("DecodeKey: %v %v", ks, err)
			}
		}
		// Prefix form for paged maps.
		if key, err := acct.Key(); err != nil || hex.EncodeToString(key) != want[:64] {
			t.Fatalf("prefix key %x %v", key, err)
		}
		uids, _ := m.Storage("SubtensorModule", "Uids")
		full, err := uids.Key(uint16(1), aliceSS58)
		if err != nil {
			t.Fatal(err)
		}
		prefix, _ := uids.Key(1)
		if !bytes.HasPrefix(full, prefix) || len(prefix) != 34 || len(full) != 34+16+32 {
			t.Fatalf("Uids keys %x / %x", prefix, full)
		}
		// AppendKey appends to what the buffer holds, leaving it be.
		buf := append(make([]byte, 0, 8), "head"...)
		if got, err := uids.AppendKey(buf, uint16(1), aliceSS58); err != nil || string(got[:4]) != "head" || !bytes.Equal(got[4:], full) {
			t.Fatalf("AppendKey: %x, %v; want head and %x", got, err, full)
		}
		if got, err := uids.AppendKey(nil, uint16(1), aliceSS58); err != nil || !bytes.Equal(got, full) {
			t.Fatalf("AppendKey to nil: %x, %v", got, err)
		}
		ks, err := uids.DecodeKey(full)
		if err != nil || ks[0].String() != "1" || ks[1].String() != aliceSS58 {
			t.Fatalf("Uids DecodeKey %v %v", ks, err)
		}
		errs := []struct {
			err  error
			want string
		}{
			{second(uids.Key(1, aliceSS58, 3)), "takes 2 keys, got 3"},
			{second(uids.Key(-1)), "key 1 (u16): want u16, got -1"},
			{second(uids.Key(70000)), "value 70000 overflows u16"},
			{second(acct.Key("5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQZ")), "bad checksum"},
			{second(uids.DecodeKey(full[:40])), "key ends inside"},
			{second(acct.DecodeKey(append(bytes.Clone(full), 1))), "does not start with the prefix"},
		}
		for _, e := range errs {
			if e.err == nil || !strings.Contains(e.err.Error(), e.want) {
				t.Errorf("error %v, want %q", e.err, e.want)
			}
		}
		num, _ := m.Storage("System", "Number")
		if key, err := num.Key(); err != nil || len(key) != 32 {
			t.Fatalf("plain key %x %v", key, err)
		}
		if _, err := num.Key(1); err == nil || !strings.Contains(err.Error(), "plain value") {
			t.Fatalf("plain key with arg: %v", err)
		}
	})
}

func TestSS58(t *testing.T) {
	pub := mustHex(t, alicePub)
	if got := SS58Encode(pub, 42); got != aliceSS58 {
		t.Fatalf("SS58Encode = %s", got)
	}
	tests := []struct {
		prefix uint16
		addr   string
	}{
		{0, "15oF4uVJwmo4TdGW7VfQxNLavjCXviqxT9S1MgbjMNHr6Sp5"}, // Polkadot
		{2, "HNZata7iMYWmk5RvZRTiAsSDhV8366zq2YGb3tLH5Upf74F"},  // Kusama
		{42, aliceSS58}, // generic Substrate
		{1, ""},         // simple prefix, round-trip only
		{63, ""},        // largest one-byte prefix
		{64, ""},        // smallest two-byte prefix
		{1284, ""},      // two-byte prefix
		{16383, ""},     // largest prefix
	}
	for _, tt := range tests {
		addr := SS58Encode(pub, tt.prefix)
		if tt.addr != "" && addr != tt.addr {
			t.Errorf("prefix %d: %s, want %s", tt.prefix, addr, tt.addr)
		}
		got, prefix, err := SS58Decode(addr)
		if err != nil || prefix != tt.prefix || !bytes.Equal(got, pub) {
			t.Errorf("prefix %d: decode %s = %x %d %v", tt.prefix, addr, got, prefix, err)
		}
	}
	bad := []struct {
		addr string
		want string
	}{
		{"5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQZ", "bad checksum"},
		{"5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQ0", "invalid base58 character '0'"},
		{"5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKut", "wrong length"},
		{"", "empty"},
		{"1", "too short"},
	}
	for _, b := range bad {
		if _, _, err := SS58Decode(b.addr); err == nil || !strings.Contains(err.Error(), b.want) {
			t.Errorf("SS58Decode(%q) error %v, want %q", b.addr, err, b.want)
		}
	}
	// A 33-byte key (ecdsa) carries a 2-byte checksum too: //Alice's
	// compressed ecdsa key, as subkey prints it.
	ecdsa := mustHex(t, "020a1091341fe5664bfa1782d5e04779689068c916b04cb365ec3153755684d9a1")
	const ecdsaAlice = "KW39r9CJjAVzmkf9zQ4YDb2hqfAVGdRqn53eRqyruqpxAP5YL"
	if got := SS58Encode(ecdsa, 42); got != ecdsaAlice {
		t.Errorf("33-byte key: %s, want %s", got, ecdsaAlice)
	}
	if got, prefix, err := SS58Decode(ecdsaAlice); err != nil || prefix != 42 || !bytes.Equal(got, ecdsa) {
		t.Errorf("decode %s = %x %d %v", ecdsaAlice, got, prefix, err)
	}
	// Account values render with the metadata's prefix.
	v := NewAccount(pub, 42)
	if v.String() != aliceSS58 || string(v.AppendJSON(nil)) != `"`+aliceSS58+`"` {
		t.Fatalf("account value %s", v)
	}
}

func TestBase58LeadingZeros(t *testing.T) {
	for _, in := range [][]byte{{0}, {0, 0, 1}, {0, 0xff}, {}, bytes.Repeat([]byte{0xff}, 40)} {
		enc := string(appendBase58(nil, in))
		dec, err := base58Decode(enc)
		if len(in) == 0 {
			if enc != "" {
				t.Errorf("empty input encodes to %q", enc)
			}
			continue
		}
		if err != nil || !bytes.Equal(dec, in) {
			t.Errorf("%x → %q → %x %v", in, enc, dec, err)
		}
	}
}

func TestCompact(t *testing.T) {
	tests := []struct {
		x   string
		enc string
	}{
		{"0", "00"},
		{"1", "04"},
		{"63", "fc"},
		{"64", "0101"},
		{"1024", "0110"},
		{"16383", "fdff"},
		{"16384", "02000100"},
		{"1073741823", "feffffff"},
		{"1073741824", "0300000040"},
		{"18446744073709551615", "13ffffffffffffffff"},
		{"18446744073709551616", "17000000000000000001"},
		{"340282366920938463463374607431768211455", "33ffffffffffffffffffffffffffffffff"},
	}
	for _, tt := range tests {
		x, _ := new(big.Int).SetString(tt.x, 10)
		enc, err := AppendCompactBig(nil, x)
		if err != nil || hex.EncodeToString(enc) != tt.enc {
			t.Errorf("encode %s = %x, want %s", tt.x, enc, tt.enc)
		}
		if x.IsUint64() && hex.EncodeToString(AppendCompact(nil, x.Uint64())) != tt.enc {
			t.Errorf("AppendCompact %s", tt.x)
		}
		got, n, err := DecodeCompactBig(enc)
		if err != nil || n != len(enc) || got.Cmp(x) != 0 {
			t.Errorf("decode %s = %v %d %v", tt.enc, got, n, err)
		}
		u, n, err := DecodeCompact(enc)
		if x.IsUint64() != (err == nil) || (err == nil && (u != x.Uint64() || n != len(enc))) {
			t.Errorf("DecodeCompact %s = %d %d %v", tt.enc, u, n, err)
		}
	}
	for _, bad := range []string{"", "01", "0100", "02000000", "0300000000", "03ffffff3f", "070000000000"} {
		if _, _, err := DecodeCompactBig(mustHex(t, bad)); err == nil {
			t.Errorf("DecodeCompactBig(%s) accepted a short or non-canonical encoding", bad)
		}
	}
}

// TestBase58AgainstBigInt checks the decoder and the encoder against
// math/big on random inputs, leading zeros and all.
func TestBase58AgainstBigInt(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for range 2000 {
		in := make([]byte, rng.IntN(60))
		for i := range in {
			in[i] = byte(rng.IntN(256))
		}
		for i := 0; i < len(in) && rng.IntN(3) == 0; i++ {
			in[i] = 0
		}
		var want strings.Builder
		for _, b := range in {
			if b != 0 {
				break
			}
			want.WriteByte('1')
		}
		n := new(big.Int).SetBytes(in)
		var digits []byte
		for n.Sign() > 0 {
			var m big.Int
			n.DivMod(n, big.NewInt(58), &m)
			digits = append(digits, base58Alphabet[m.Int64()])
		}
		for i := len(digits) - 1; i >= 0; i-- {
			want.WriteByte(digits[i])
		}
		enc := string(appendBase58(nil, in))
		if enc != want.String() {
			t.Fatalf("encode %x = %q, want %q", in, enc, want.String())
		}
		if len(in) == 0 {
			continue
		}
		dec, err := base58Decode(enc)
		if err != nil || !bytes.Equal(dec, in) {
			t.Fatalf("decode %q = %x, %v, want %x", enc, dec, err, in)
		}
	}
}
