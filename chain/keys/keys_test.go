package keys

import (
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
)

// Known vectors: Substrate's development accounts (subkey inspect //Alice …).
var devAccounts = []struct{ uri, pub, ss58 string }{
	{"//Alice", "d43593c715fdd31c61141abd04a99fd6822c8558854ccde39a5684e7a56da27d", "5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY"},
	{"//Bob", "8eaf04151687736326c9fea17e25fc5287613693c912909cb226aa4794f26a48", "5FHneW46xGXgs5mUiveU4sbTyGBzmstUspZC92UhjJM694ty"},
	{"//Alice//stash", "be5ddb1579b72e84524fc29e78609e3caf42e85aa118ebfe0b0ad404b5bdd25f", "5GNJqTPyNqANBkUVMN1LPPrxXnFouWXoe2wNSmmEoLctxiZY"},
}

func TestDevAccounts(t *testing.T) {
	for _, a := range devAccounts {
		s, err := FromURI(a.uri)
		if err != nil {
			t.Fatal(err)
		}
		pub := s.PublicKey()
		if hex.EncodeToString(pub[:]) != a.pub || s.Address() != a.ss58 {
			t.Errorf("%s: got %x %s, want %s %s", a.uri, pub, s.Address(), a.pub, a.ss58)
		}
	}
	// The dev phrase spelled out is the same key as the bare URI.
	full, err := FromURI(DevPhrase + "//Alice")
	if err != nil {
		t.Fatal(err)
	}
	if full.Address() != devAccounts[0].ss58 {
		t.Errorf("phrase//Alice = %s", full.Address())
	}
}

func TestSignVerify(t *testing.T) {
	s, _ := FromURI("//Alice")
	msg := []byte("payload")
	sig, err := s.Sign(msg)
	if err != nil {
		t.Fatal(err)
	}
	if !Verify(s.PublicKey(), msg, sig) {
		t.Fatal("own signature does not verify")
	}
	if Verify(s.PublicKey(), []byte("other"), sig) {
		t.Fatal("signature verifies another message")
	}
	bob, _ := FromURI("//Bob")
	if Verify(bob.PublicKey(), msg, sig) {
		t.Fatal("signature verifies under another key")
	}
}

func TestMnemonicAndSeed(t *testing.T) {
	m, err := FromMnemonic("  "+strings.ReplaceAll(DevPhrase, " ", "  ")+" ", "")
	if err != nil {
		t.Fatal(err)
	}
	// The dev phrase's root key (subkey inspect "bottom drive …").
	if m.Address() != "5DfhGyQdFobKM8NsWvEeAKk5EQQgYe9AydgJ7rMB6E1EqRzV" {
		t.Errorf("dev phrase root = %s", m.Address())
	}
	// Its mini secret, as subkey prints it ("Secret seed").
	seed, _ := hex.DecodeString("fac7959dbfe72f052e5a0c3c8d6530f202b02fd8f9f5ca3580ec8deb7797479e")
	s, err := FromSeed(seed)
	if err != nil {
		t.Fatal(err)
	}
	if s.Address() != m.Address() {
		t.Errorf("seed gives %s, phrase %s", s.Address(), m.Address())
	}
	u, err := FromURI("0xfac7959dbfe72f052e5a0c3c8d6530f202b02fd8f9f5ca3580ec8deb7797479e//Alice")
	if err != nil || u.Address() != devAccounts[0].ss58 {
		t.Errorf("seed//Alice = %v, %v", u, err)
	}
}

func TestBadSecrets(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"//Alice/soft", "soft derivation"},
		{"//", "empty derivation junction"},
		{"0x1234//Alice", "64 hex digits"},
		{"bottom drive obey lake curtain smoke basket hold race lonely fit fit", "not a valid BIP-39 mnemonic (12 words"},
		{"0xfac7959dbfe72f052e5a0c3c8d6530f202b02fd8f9f5ca3580ec8deb7797479e///pw", "password applies to a phrase"},
	} {
		_, err := FromURI(c.in)
		if err == nil || !errors.Is(err, ErrBadSecret) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: %v, want ErrBadSecret with %q", c.in, err, c.want)
		}
		if err != nil && strings.Contains(err.Error(), "fac7959d") {
			t.Errorf("%q: the error repeats the secret: %v", c.in, err)
		}
	}
	if _, err := FromSeed(make([]byte, 31)); !errors.Is(err, ErrBadSecret) {
		t.Errorf("31-byte seed: %v", err)
	}
}

// TestNoSecretInText formats a signer every way fmt and encoding/json can
// and finds neither its secret key nor its nonce.
func TestNoSecretInText(t *testing.T) {
	s, _ := FromURI("//Alice")
	enc := s.secret.Encode()
	secretHex := hex.EncodeToString(enc[:])
	js, _ := json.Marshal(map[string]any{"s": s})
	outs := []string{fmt.Sprint(s), fmt.Sprintf("%v %+v %#v %x %s %q %d", s, s, s, s, s, s, s), string(js)}
	for _, o := range outs {
		if strings.Contains(o, secretHex) || strings.Contains(o, secretHex[:16]) || !strings.Contains(o, s.Address()) {
			t.Errorf("formatted signer: %s", o)
		}
	}
}
