// Package keys holds sr25519 signers: from a secret URI (a development
// account such as //Alice, a mnemonic or a 0x seed, with hard derivation),
// and from Bittensor wallet files. A Signer never hands out its secret: it
// signs, and tells its public key and address.
package keys

import (
	"crypto/subtle"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/ChainSafe/go-schnorrkel"
	"github.com/btscript/btscript/scale"
	"golang.org/x/crypto/blake2b"
)

// DevPhrase is the mnemonic behind the development accounts (//Alice,
// //Bob, ...), as in Substrate.
const DevPhrase = "bottom drive obey lake curtain smoke basket hold race lonely fit walk"

// SS58Prefix is the address format signers print: 42, Bittensor's.
const SS58Prefix = 42

// ErrBadSecret marks a secret URI, mnemonic or seed that cannot make a key.
var ErrBadSecret = errors.New("invalid secret")

// Signer is an sr25519 key pair. Its secret stays inside: String, GoString,
// Format and MarshalJSON show only the address.
type Signer struct {
	pub    [32]byte
	secret *schnorrkel.SecretKey
	// from says where the key came from without revealing it ("//Alice",
	// "wallet default/coldkey"); phrases and seeds are never kept here.
	from string
}

// PublicKey returns the 32-byte public key.
func (s *Signer) PublicKey() [32]byte { return s.pub }

// Address returns the SS58 address (prefix 42).
func (s *Signer) Address() string { return scale.SS58Encode(s.pub[:], SS58Prefix) }

// Source says where the key came from, without any secret.
func (s *Signer) Source() string { return s.from }

// String returns "Signer(ADDRESS)".
func (s *Signer) String() string { return "Signer(" + s.Address() + ")" }

// GoString is String, so %#v shows no secret either.
func (s *Signer) GoString() string { return s.String() }

// Format prints String for every verb, so no fmt verb reaches the fields.
func (s *Signer) Format(f fmt.State, _ rune) { f.Write([]byte(s.String())) }

// MarshalJSON encodes the address only.
func (s *Signer) MarshalJSON() ([]byte, error) { return []byte(`"` + s.Address() + `"`), nil }

// Sign signs msg in the "substrate" signing context, as the chain
// verifies sr25519 signatures.
func (s *Signer) Sign(msg []byte) ([64]byte, error) {
	sig, err := s.secret.Sign(schnorrkel.NewSigningContext([]byte("substrate"), msg))
	if err != nil {
		return [64]byte{}, fmt.Errorf("sign: %w", err)
	}
	return sig.Encode(), nil
}

// Verify reports whether sig is pub's signature of msg.
func Verify(pub [32]byte, msg []byte, sig [64]byte) bool {
	pk, err := schnorrkel.NewPublicKey(pub)
	if err != nil {
		return false
	}
	var s schnorrkel.Signature
	if s.Decode(sig) != nil {
		return false
	}
	ok, err := pk.Verify(&s, schnorrkel.NewSigningContext([]byte("substrate"), msg))
	return err == nil && ok
}

func fromMini(mini *schnorrkel.MiniSecretKey, from string) (*Signer, error) {
	sk := mini.ExpandEd25519()
	return fromSecret(sk, from)
}

func fromSecret(sk *schnorrkel.SecretKey, from string) (*Signer, error) {
	pk, err := sk.Public()
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadSecret, err)
	}
	return &Signer{pub: pk.Encode(), secret: sk, from: from}, nil
}

// FromSeed makes a signer from a 32-byte mini secret key (a "secret seed").
func FromSeed(seed []byte) (*Signer, error) {
	if len(seed) != 32 {
		return nil, fmt.Errorf("%w: a seed is 32 bytes, got %d", ErrBadSecret, len(seed))
	}
	mini, err := schnorrkel.NewMiniSecretKeyFromRaw([32]byte(seed))
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadSecret, err)
	}
	return fromMini(mini, "seed")
}

// FromMnemonic makes a signer from a BIP-39 phrase (12 to 24 English
// words) and an optional password, as Substrate and the bittensor SDK do:
// the mini secret is the first 32 bytes of PBKDF2-SHA512 over the phrase's
// entropy.
func FromMnemonic(phrase, password string) (*Signer, error) {
	phrase = strings.Join(strings.Fields(phrase), " ")
	mini, err := schnorrkel.MiniSecretKeyFromMnemonic(phrase, password)
	if err != nil {
		n := len(strings.Fields(phrase))
		return nil, fmt.Errorf("%w: not a valid BIP-39 mnemonic (%d words; want 12, 15, 18, 21 or 24 English words with a valid checksum)", ErrBadSecret, n)
	}
	return fromMini(mini, "mnemonic")
}

// FromURI makes a signer from a secret URI: [PHRASE | 0xSEED][//hard...][///password].
// With no phrase or seed it is the development phrase, so "//Alice" is
// Alice. Soft derivation ("/x") is not supported (sr25519 soft keys are
// rare in Bittensor) and is refused.
func FromURI(uri string) (*Signer, error) {
	body, password := uri, ""
	if i := strings.Index(uri, "///"); i >= 0 {
		body, password = uri[:i], uri[i+3:]
	}
	base, path := body, ""
	if i := strings.Index(body, "/"); i >= 0 {
		base, path = body[:i], body[i:]
	}
	base = strings.TrimSpace(base)
	var junctions []string
	for rest := path; rest != ""; {
		if !strings.HasPrefix(rest, "//") {
			return nil, fmt.Errorf("%w: secret URI: soft derivation (a single /) is not supported, only hard (//name)", ErrBadSecret)
		}
		rest = rest[2:]
		j := rest
		if i := strings.Index(rest, "/"); i >= 0 {
			j, rest = rest[:i], rest[i:]
		} else {
			rest = ""
		}
		if j == "" {
			return nil, fmt.Errorf("%w: secret URI: empty derivation junction", ErrBadSecret)
		}
		junctions = append(junctions, j)
	}
	var mini *schnorrkel.MiniSecretKey
	var err error
	from := "secret URI"
	switch {
	case base == "":
		mini, err = schnorrkel.MiniSecretKeyFromMnemonic(DevPhrase, password)
		from = "//" + strings.Join(junctions, "//")
	case strings.HasPrefix(base, "0x"):
		if password != "" {
			return nil, fmt.Errorf("%w: secret URI: a password applies to a phrase, not to a 0x seed", ErrBadSecret)
		}
		b, herr := hex.DecodeString(base[2:])
		if herr != nil || len(b) != 32 {
			return nil, fmt.Errorf("%w: secret URI: a seed is 0x and 64 hex digits", ErrBadSecret)
		}
		mini, err = schnorrkel.NewMiniSecretKeyFromRaw([32]byte(b))
	default:
		s, merr := FromMnemonic(base, password)
		if merr != nil {
			return nil, merr
		}
		if len(junctions) == 0 {
			return s, nil
		}
		return derive(s.secret, junctions, from)
	}
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadSecret, err)
	}
	return derive(mini.ExpandEd25519(), junctions, from)
}

// derive applies hard junctions as Substrate does: each junction's chain
// code is its SCALE encoding (a number as u64, else a string) padded to 32
// bytes, or its blake2-256 when longer.
func derive(sk *schnorrkel.SecretKey, junctions []string, from string) (*Signer, error) {
	for _, j := range junctions {
		var cc [32]byte
		var enc []byte
		if n, err := strconv.ParseUint(j, 10, 64); err == nil {
			enc = binary.LittleEndian.AppendUint64(nil, n)
		} else {
			enc = append(scale.AppendCompact(nil, uint64(len(j))), j...)
		}
		if len(enc) > 32 {
			h := blake2b.Sum256(enc)
			enc = h[:]
		}
		copy(cc[:], enc)
		mini, _, err := sk.HardDeriveMiniSecretKey(nil, cc)
		if err != nil {
			return nil, fmt.Errorf("%w: derive //%s: %v", ErrBadSecret, j, err)
		}
		sk = mini.ExpandEd25519()
	}
	return fromSecret(sk, from)
}

// samePub compares public keys in constant time.
func samePub(a, b []byte) bool { return subtle.ConstantTimeCompare(a, b) == 1 }
