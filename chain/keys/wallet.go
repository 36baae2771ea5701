package keys

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/ChainSafe/go-schnorrkel"
	"golang.org/x/crypto/argon2"
	"golang.org/x/crypto/nacl/secretbox"
)

// Wallet file format of the bittensor SDK (bittensor-wallet): a keyfile is
// JSON ({"secretPhrase", "secretSeed", "privateKey", "publicKey",
// "ss58Address", ...}), stored in the clear (hotkeys) or as "$NACL", a
// 24-byte nonce and a NaCl secretbox of the JSON under a key derived from
// the password with Argon2i v1.3 (libsodium's "sensitive" limits: 8 passes
// over 512 MiB, one lane) and a fixed salt.
const (
	naclMagic = "$NACL"
	// MaxKeyfileSize bounds what is read of a keyfile; real ones are
	// under 1 KiB.
	MaxKeyfileSize = 64 << 10
	argonTime      = 8
	argonMemoryKiB = 512 << 10
)

// naclSalt is the SDK's fixed salt (NACL_SALT).
var naclSalt = []byte("\x13q\x83\xdf\xf1Z\t\xbc\x9c\x90\xb5Q\x879\xe9\xb1")

// Errors of keyfiles, inspectable with errors.Is.
var (
	ErrWrongPassword = errors.New("wrong password (the keyfile does not decrypt)")
	ErrKeyfile       = errors.New("invalid keyfile")
)

// PasswordFunc returns the password of an encrypted keyfile; what names
// the key ("coldkey of wallet default").
type PasswordFunc func(what string) ([]byte, error)

// WalletPassword returns the password source the SDK uses for wallet
// name: the environment variable BT_COLD_PW_<NAME> (upper case, '-' as
// '_') when set, else prompt (nil: no password, an error).
func WalletPassword(name string, prompt PasswordFunc) PasswordFunc {
	return func(what string) ([]byte, error) {
		env := "BT_COLD_PW_" + strings.ReplaceAll(strings.ToUpper(name), "-", "_")
		if pw, ok := os.LookupEnv(env); ok {
			return []byte(pw), nil
		}
		if prompt == nil {
			return nil, fmt.Errorf("%s is encrypted: set %s or run on a terminal to be asked for its password", what, env)
		}
		return prompt(what)
	}
}

// WalletKeyfile returns the path of a wallet key under dir (the SDK's
// ~/.bittensor/wallets): NAME/coldkey, or NAME/hotkeys/HOTKEY.
func WalletKeyfile(dir, name, hotkey string) (string, error) {
	for _, n := range []string{name, hotkey} {
		if strings.ContainsAny(n, `/\`) || n == "." || n == ".." {
			return "", fmt.Errorf("wallet name %q: a name must not contain a path separator", n)
		}
	}
	if name == "" {
		return "", errors.New("wallet name is empty")
	}
	if hotkey == "" {
		return filepath.Join(dir, name, "coldkey"), nil
	}
	return filepath.Join(dir, name, "hotkeys", hotkey), nil
}

// DefaultWalletDir is the SDK's wallet folder, ~/.bittensor/wallets.
func DefaultWalletDir() (string, error) {
	home, err := os.UserHomeDir()
	if err != nil {
		return "", fmt.Errorf("wallet folder: %w", err)
	}
	return filepath.Join(home, ".bittensor", "wallets"), nil
}

// LoadKeyfile reads a keyfile in the SDK's format. An encrypted one asks
// password (called only then) for its password. Only regular files are
// read.
func LoadKeyfile(path string, password PasswordFunc) (*Signer, error) {
	data, err := readRegular(path)
	if err != nil {
		return nil, err
	}
	what := "keyfile " + path
	if bytes.HasPrefix(data, []byte(naclMagic)) {
		if password == nil {
			return nil, fmt.Errorf("%s is encrypted and no password source was given", what)
		}
		pw, err := password(what)
		if err != nil {
			return nil, fmt.Errorf("%s: password: %w", what, err)
		}
		data, err = DecryptKeyfile(data, pw)
		clear(pw)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", what, err)
		}
		defer clear(data)
	} else if bytes.HasPrefix(data, []byte("$ANSIBLE_VAULT")) || bytes.HasPrefix(data, []byte("gAAAAA")) {
		return nil, fmt.Errorf("%s: %w: it uses a legacy encryption (Ansible Vault or Fernet); re-encrypt it with the current bittensor SDK (btcli wallet update)", what, ErrKeyfile)
	}
	s, err := ParseKeyfile(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	s.from = path
	return s, nil
}

func readRegular(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("keyfile: %w", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("keyfile: %w", err)
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("keyfile %s: %w: not a regular file", path, ErrKeyfile)
	}
	data, err := io.ReadAll(io.LimitReader(f, MaxKeyfileSize+1))
	if err != nil {
		return nil, fmt.Errorf("keyfile %s: %w", path, err)
	}
	if len(data) > MaxKeyfileSize {
		return nil, fmt.Errorf("keyfile %s: %w: larger than %d bytes", path, ErrKeyfile, MaxKeyfileSize)
	}
	return data, nil
}

// ErrMemory is the error of decrypting a coldkey in a process whose
// address space is capped (ulimit -v) below what Argon2 needs: the Go
// runtime would otherwise stop the process outright.
var ErrMemory = errors.New("not enough memory to decrypt the coldkey")

// argonHeadroom is what the derivation maps beyond its 512 MiB table.
const argonHeadroom = 64 << 20

// KeyfileKey derives the secretbox key of an encrypted keyfile from a
// password, as the SDK does. It takes about a second and 512 MiB.
func KeyfileKey(password []byte) (*[32]byte, error) {
	need := uint64(argonMemoryKiB)<<10 + argonHeadroom
	if left, limited := addressSpaceLeft(); limited && left < need {
		return nil, fmt.Errorf("%w: Argon2i as the SDK uses it needs %d MiB, and the address-space limit (ulimit -v) leaves %d MiB", ErrMemory, need>>20, left>>20)
	}
	var k [32]byte
	copy(k[:], argon2.Key(password, naclSalt, argonTime, argonMemoryKiB, 1, 32))
	return &k, nil
}

// DecryptKeyfile opens "$NACL" keyfile data with password.
func DecryptKeyfile(data, password []byte) ([]byte, error) {
	body, ok := bytes.CutPrefix(data, []byte(naclMagic))
	if !ok || len(body) < 24+secretbox.Overhead {
		return nil, fmt.Errorf("%w: encrypted data too short (%d bytes)", ErrKeyfile, len(data))
	}
	var nonce [24]byte
	copy(nonce[:], body)
	key, err := KeyfileKey(password)
	if err != nil {
		return nil, err
	}
	out, ok := secretbox.Open(nil, body[24:], &nonce, key)
	if !ok {
		return nil, ErrWrongPassword
	}
	return out, nil
}

// ParseKeyfile reads the JSON of a decrypted keyfile, taking the key from
// secretPhrase, else secretSeed, else privateKey (the order the SDK uses),
// and checks it against publicKey when that is given.
func ParseKeyfile(data []byte) (*Signer, error) {
	var kf struct {
		SecretPhrase *string `json:"secretPhrase"`
		SecretSeed   *string `json:"secretSeed"`
		PrivateKey   *string `json:"privateKey"`
		PublicKey    *string `json:"publicKey"`
	}
	if err := json.Unmarshal(data, &kf); err != nil {
		// The JSON error could quote secret text: say only where.
		return nil, fmt.Errorf("%w: not the SDK's keyfile JSON", ErrKeyfile)
	}
	var s *Signer
	var err error
	switch {
	case kf.SecretPhrase != nil && *kf.SecretPhrase != "":
		s, err = FromMnemonic(*kf.SecretPhrase, "")
	case kf.SecretSeed != nil && *kf.SecretSeed != "":
		b, herr := hex.DecodeString(strings.TrimPrefix(*kf.SecretSeed, "0x"))
		if herr != nil {
			return nil, fmt.Errorf("%w: secretSeed is not hex", ErrKeyfile)
		}
		s, err = FromSeed(b)
	case kf.PrivateKey != nil && *kf.PrivateKey != "":
		b, herr := hex.DecodeString(strings.TrimPrefix(*kf.PrivateKey, "0x"))
		if herr != nil || len(b) != 64 {
			return nil, fmt.Errorf("%w: privateKey is not 64 bytes of hex", ErrKeyfile)
		}
		// The SDK stores schnorrkel's "ed25519 bytes" form of the key.
		s, err = fromSecret(schnorrkel.NewSecretKeyFromEd25519Bytes([64]byte(b)), "")
	default:
		return nil, fmt.Errorf("%w: no secretPhrase, secretSeed or privateKey (a public-only keyfile cannot sign)", ErrKeyfile)
	}
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrKeyfile, err)
	}
	if kf.PublicKey != nil && *kf.PublicKey != "" {
		want, herr := hex.DecodeString(strings.TrimPrefix(*kf.PublicKey, "0x"))
		if herr != nil || !samePub(want, s.pub[:]) {
			return nil, fmt.Errorf("%w: its secret does not give its publicKey %s", ErrKeyfile, *kf.PublicKey)
		}
	}
	return s, nil
}
