package bindings_test

import (
	"crypto/rand"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/btscript/btscript/bindings"
	"github.com/btscript/btscript/chain"
	"golang.org/x/crypto/argon2"
	"golang.org/x/crypto/nacl/secretbox"
)

const devPhrase = "bottom drive obey lake curtain smoke basket hold race lonely fit walk"

// noNode is a client with no node behind it: the keys module needs none.
func noNode() *chain.Client { return chain.New(nil, chain.Options{NoDiskCache: true}) }

// writeWallet writes wallet NAME under dir in the bittensor SDK's format:
// coldkey = "$NACL" + nonce + secretbox(JSON) under Argon2i(password,
// NACL_SALT, 8 passes, 512 MiB); hotkeys/HOT = the JSON in the clear.
func writeWallet(t *testing.T, dir, name, hot, password string) {
	t.Helper()
	kf := func(fields map[string]string) []byte { b, _ := json.Marshal(fields); return b }
	cold := kf(map[string]string{"secretPhrase": devPhrase, "ss58Address": "5DfhGyQdFobKM8NsWvEeAKk5EQQgYe9AydgJ7rMB6E1EqRzV"})
	salt := []byte("\x13q\x83\xdf\xf1Z\t\xbc\x9c\x90\xb5Q\x879\xe9\xb1")
	var key [32]byte
	copy(key[:], argon2.Key([]byte(password), salt, 8, 512*1024, 1, 32))
	var nonce [24]byte
	rand.Read(nonce[:])
	enc := secretbox.Seal(append([]byte("$NACL"), nonce[:]...), cold, &nonce, &key)
	os.MkdirAll(filepath.Join(dir, name, "hotkeys"), 0o700)
	os.WriteFile(filepath.Join(dir, name, "coldkey"), enc, 0o600)
	os.WriteFile(filepath.Join(dir, name, "hotkeys", hot), kf(map[string]string{
		"secretSeed": "0xe5be9a5092b81bca64be81d212e7f2f9eba183bb7a90954f7b76361f6edb5c0a"}), 0o600)
}

func TestKeysWallet(t *testing.T) {
	dir := t.TempDir()
	writeWallet(t, dir, "w1", "h1", "s3cret pass")
	asked := []string{}
	prompt := func(what string) ([]byte, error) {
		asked = append(asked, what)
		return []byte("s3cret pass"), nil
	}
	en := newEngine(t, noNode(), bindings.Options{Sign: bindings.SignOptions{Allow: true, WalletDir: dir, Prompt: prompt, Wallet: "w1", Hotkey: "h1"}})
	got := en.eval(t, `local c, h = keys.wallet() return c.address, h.address, tostring(h)`)
	want := "5DfhGyQdFobKM8NsWvEeAKk5EQQgYe9AydgJ7rMB6E1EqRzV 5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY Signer(5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY)"
	if got != want || len(asked) != 1 || !strings.Contains(asked[0], filepath.Join(dir, "w1", "coldkey")) {
		t.Fatalf("got %q (asked %q)", got, asked)
	}
	// The hotkey alone asks nothing.
	if got := en.eval(t, `return keys.hotkey('w1', 'h1').address`); got != "5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY" || len(asked) != 1 {
		t.Fatalf("hotkey: %q, asked %d", got, len(asked))
	}
	for _, c := range []struct{ code, want string }{
		{`keys.hotkey('w1', 'nope')`, "keys.hotkey: hotkey nope of wallet w1: keyfile: open " + filepath.Join(dir, "w1", "hotkeys", "nope") + ": no such file or directory"},
		{`keys.wallet('../w1')`, `keys.wallet: wallet name "../w1": a name must not contain a path separator`},
		{`keys.from_mnemonic('one two three')`, "keys.from_mnemonic: invalid secret: not a valid BIP-39 mnemonic (3 words"},
		{`keys.from_uri(42)`, "keys.from_uri: uri must be a string, got 42"},
	} {
		if msg := en.evalErr(t, c.code); !strings.Contains(msg, c.want) {
			t.Errorf("%s: %s, want %q", c.code, msg, c.want)
		}
	}

	// A wrong password (from the SDK's environment variable, read before
	// any prompt) is a clear error.
	t.Setenv("BT_COLD_PW_W1", "wrong")
	msg := en.evalErr(t, `keys.wallet('w1', 'h1')`)
	if !strings.Contains(msg, "keys.wallet: coldkey of wallet w1: keyfile "+filepath.Join(dir, "w1", "coldkey")+": wrong password (the keyfile does not decrypt)") || len(asked) != 1 {
		t.Fatalf("wrong password: %s (asked %d)", msg, len(asked))
	}

	// Without a prompt (not a terminal) and no variable: say how to give it.
	os.Unsetenv("BT_COLD_PW_W1")
	en2 := newEngine(t, noNode(), bindings.Options{Sign: bindings.SignOptions{Allow: true, WalletDir: dir}})
	msg = en2.evalErr(t, `keys.wallet('w1', 'h1')`)
	if !strings.Contains(msg, "is encrypted: set BT_COLD_PW_W1 or run on a terminal to be asked for its password") {
		t.Fatalf("no password source: %s", msg)
	}
	if msg := en2.evalErr(t, `keys.wallet()`); !strings.Contains(msg, "keys.wallet: no wallet name: pass one or run with --wallet NAME") {
		t.Fatalf("no name: %s", msg)
	}
}

func TestSignerIsOpaque(t *testing.T) {
	en := newEngine(t, noNode(), bindings.Options{Sign: bindings.SignOptions{Allow: true}})
	got := en.eval(t, `
local a = keys.from_mnemonic('`+devPhrase+`')
local ok, e = pcall(ss58.decode, a)
print(a)
return a.public_key, ok, a.secret == nil`)
	if got != "0x46ebddef8cd9bb167dc30878d7113b7e168e6f0646beffd77d69d39bad76b47a false true" {
		t.Fatalf("got %q", got)
	}
	if out := en.out.String(); out != "Signer(5DfhGyQdFobKM8NsWvEeAKk5EQQgYe9AydgJ7rMB6E1EqRzV)\n" {
		t.Fatalf("print: %q", out)
	}
}
