package keys

import (
	"crypto/rand"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/crypto/argon2"
	"golang.org/x/crypto/nacl/secretbox"
)

// sdkEncrypt writes keyfile data the way bittensor-wallet's
// encrypt_keyfile_data does, from its documented format: b"$NACL" + nonce
// + secretbox.seal(data) under argon2i13(password, NACL_SALT,
// OPSLIMIT_SENSITIVE=8, MEMLIMIT_SENSITIVE=512 MiB).
func sdkEncrypt(t *testing.T, data []byte, password string) []byte {
	t.Helper()
	salt := []byte{0x13, 'q', 0x83, 0xdf, 0xf1, 'Z', '\t', 0xbc, 0x9c, 0x90, 0xb5, 'Q', 0x87, '9', 0xe9, 0xb1}
	var key [32]byte
	copy(key[:], argon2.Key([]byte(password), salt, 8, 536870912/1024, 1, 32))
	var nonce [24]byte
	rand.Read(nonce[:])
	out := append([]byte("$NACL"), nonce[:]...)
	return secretbox.Seal(out, data, &nonce, &key)
}

func keyfileJSON(t *testing.T, fields map[string]string) []byte {
	b, err := json.Marshal(fields)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestWalletFiles(t *testing.T) {
	dir := t.TempDir()
	alice := devAccounts[0]
	cold, err := WalletKeyfile(dir, "w1", "")
	if err != nil {
		t.Fatal(err)
	}
	hot, _ := WalletKeyfile(dir, "w1", "h1")
	os.MkdirAll(filepath.Dir(hot), 0o700)
	// The coldkey: the dev phrase's //Alice is not a phrase, so use the
	// phrase itself (root key) with its publicKey, encrypted.
	root := "5DfhGyQdFobKM8NsWvEeAKk5EQQgYe9AydgJ7rMB6E1EqRzV"
	coldJSON := keyfileJSON(t, map[string]string{"secretPhrase": DevPhrase,
		"publicKey": "0x46ebddef8cd9bb167dc30878d7113b7e168e6f0646beffd77d69d39bad76b47a", "ss58Address": root})
	if err := os.WriteFile(cold, sdkEncrypt(t, coldJSON, "correct horse"), 0o600); err != nil {
		t.Fatal(err)
	}
	// The hotkey: in the clear, from Alice's private key as the SDK stores it.
	hotJSON := keyfileJSON(t, map[string]string{
		"privateKey": "0x98319d4ff8a9508c4bb0cf0b5a78d760a0b2082c02775e6e82370816fedfff48925a225d97aa00682d6a59b95b18780c10d7032336e88f3442b42361f4a66011",
		"publicKey":  "0x" + alice.pub, "ss58Address": alice.ss58})
	os.WriteFile(hot, hotJSON, 0o600)

	h, err := LoadKeyfile(hot, nil)
	if err != nil || h.Address() != alice.ss58 {
		t.Fatalf("hotkey: %v %v", h, err)
	}

	asked := 0
	pw := func(what string) ([]byte, error) { asked++; return []byte("correct horse"), nil }
	c, err := LoadKeyfile(cold, pw)
	if err != nil || c.Address() != root || asked != 1 {
		t.Fatalf("coldkey: %v %v (asked %d)", c, err, asked)
	}
	_, err = LoadKeyfile(cold, func(string) ([]byte, error) { return []byte("wrong"), nil })
	if !errors.Is(err, ErrWrongPassword) || !strings.Contains(err.Error(), cold+": wrong password") {
		t.Fatalf("wrong password: %v", err)
	}

	// The SDK's environment variable is read before any prompt.
	t.Setenv("BT_COLD_PW_MY_WALLET", "correct horse")
	got, err := WalletPassword("my-wallet", nil)("coldkey")
	if err != nil || string(got) != "correct horse" {
		t.Fatalf("env password: %q %v", got, err)
	}
	_, err = WalletPassword("other", nil)("coldkey of wallet other")
	if err == nil || !strings.Contains(err.Error(), "set BT_COLD_PW_OTHER") {
		t.Fatalf("no password source: %v", err)
	}
}

func TestBadKeyfiles(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		os.WriteFile(p, b, 0o600)
		return p
	}
	cases := []struct {
		path, want string
	}{
		{write("notjson", []byte("secret words here")), "not the SDK's keyfile JSON"},
		{write("public", []byte(`{"ss58Address":"5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY"}`)), "public-only keyfile cannot sign"},
		{write("mismatch", []byte(`{"secretSeed":"0xfac7959dbfe72f052e5a0c3c8d6530f202b02fd8f9f5ca3580ec8deb7797479e","publicKey":"0x00"}`)), "does not give its publicKey"},
		{write("short", []byte("$NACL123")), "encrypted data too short"},
		{write("ansible", []byte("$ANSIBLE_VAULT;1.1;AES256")), "legacy encryption"},
		{write("big", make([]byte, MaxKeyfileSize+1)), "larger than 65536 bytes"},
		{dir, "not a regular file"},
	}
	for _, c := range cases {
		_, err := LoadKeyfile(c.path, func(string) ([]byte, error) { return []byte("x"), nil })
		if !errors.Is(err, ErrKeyfile) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want %q", filepath.Base(c.path), err, c.want)
		}
		if err != nil && strings.Contains(err.Error(), "fac7959d") {
			t.Errorf("error shows the secret: %v", err)
		}
	}
	if _, err := WalletKeyfile(dir, "../x", ""); err == nil {
		t.Error("a wallet name with a separator was accepted")
	}
}
