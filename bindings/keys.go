package bindings

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/btscript/btscript/chain/keys"
	"github.com/btscript/btscript/engine"
	lua "github.com/yuin/gopher-lua"
)

// SignOptions configures what scripts may do with keys (Options.Sign).
// The zero value refuses every key: a script can then read the chain only.
type SignOptions struct {
	// Allow lets scripts make signers (keys.*) and submit transactions.
	Allow bool
	// DryRun builds, signs and prices every transaction, prints it to Log,
	// and submits nothing.
	DryRun bool
	// Wallet and Hotkey are the names keys.wallet() uses without
	// arguments.
	Wallet, Hotkey string
	// WalletDir holds the wallets; "" means keys.DefaultWalletDir.
	WalletDir string
	// Prompt asks for a coldkey's password (nil: only the SDK's
	// BT_COLD_PW_<NAME> environment variable is read).
	Prompt keys.PasswordFunc
	// Log receives the dry-run lines; nil discards them.
	Log io.Writer
}

// SignerTypeName names the signer userdata metatable in the Lua registry.
const SignerTypeName = "btscript.Signer"

// ErrSigningOff is the error of every key function when Allow is off.
var ErrSigningOff = errors.New("signing is off: run with --allow-sign to let this script sign transactions")

// signerValue returns a signer to Lua as an opaque userdata.
type signerValue struct{ s *keys.Signer }

func (v signerValue) LuaValue(L *lua.LState) lua.LValue {
	ud := L.NewUserData()
	ud.Value = v.s
	ud.Metatable = L.GetTypeMetatable(SignerTypeName)
	return ud
}

// openSigner installs the signer metatable: the address and public key
// are readable, nothing else; the metatable itself is hidden.
func openSigner(L *lua.LState) {
	mt := L.NewTypeMetatable(SignerTypeName)
	signer := func(L *lua.LState) *keys.Signer {
		ud, ok := L.Get(1).(*lua.LUserData)
		if !ok {
			return nil
		}
		s, _ := ud.Value.(*keys.Signer)
		return s
	}
	mt.RawSetString("__metatable", lua.LString("signer"))
	mt.RawSetString("__tostring", L.NewFunction(func(L *lua.LState) int {
		s := signer(L)
		if s == nil {
			L.Push(lua.LString("Signer(?)"))
			return 1
		}
		L.Push(lua.LString(s.String()))
		return 1
	}))
	mt.RawSetString("__index", L.NewFunction(func(L *lua.LState) int {
		s := signer(L)
		if s == nil {
			L.Push(lua.LNil)
			return 1
		}
		switch L.Get(2).String() {
		case "address", "ss58_address":
			L.Push(lua.LString(s.Address()))
		case "public_key":
			pub := s.PublicKey()
			L.Push(lua.LString(fmt.Sprintf("0x%x", pub[:])))
		default:
			L.Push(lua.LNil)
		}
		return 1
	}))
	mt.RawSetString("__newindex", L.NewFunction(func(L *lua.LState) int {
		L.RaiseError("a signer is read-only")
		return 0
	}))
}

// signerArg reads argument i as a signer.
func signerArg(fn string, args []any, i int) (*keys.Signer, error) {
	var v any
	if i < len(args) {
		v = args[i]
	}
	s, ok := v.(*keys.Signer)
	if !ok {
		return nil, argErr(fn, "argument %d must be a signer (from keys.from_uri, keys.from_mnemonic or keys.wallet), got %s", i+1, describe(v))
	}
	return s, nil
}

// keysModule is the keys module: signers from secret URIs, mnemonics,
// seeds and wallets, all refused unless signing is allowed.
func (b *binder) keysModule() *engine.Module {
	m := engine.NewModule()
	so := b.opts.Sign
	add := func(name string, fn func(args []any) ([]any, error)) {
		m.Async(name, func(ctx context.Context, args []any) ([]any, error) {
			if !so.Allow {
				return nil, fmt.Errorf("keys.%s: %w", name, ErrSigningOff)
			}
			return fn(args)
		})
	}
	one := func(s *keys.Signer, err error) ([]any, error) {
		if err != nil {
			return nil, err
		}
		return []any{signerValue{s}}, nil
	}
	add("from_uri", func(args []any) ([]any, error) {
		uri, err := stringArg("keys.from_uri", "uri", args, 0)
		if err != nil {
			return nil, err
		}
		s, err := keys.FromURI(uri)
		if err != nil {
			return nil, fmt.Errorf("keys.from_uri: %w", err)
		}
		return one(s, nil)
	})
	add("from_mnemonic", func(args []any) ([]any, error) {
		words, err := stringArg("keys.from_mnemonic", "words", args, 0)
		if err != nil {
			return nil, err
		}
		pw := ""
		if len(args) > 1 && args[1] != nil {
			if pw, err = stringArg("keys.from_mnemonic", "password", args, 1); err != nil {
				return nil, err
			}
		}
		s, err := keys.FromMnemonic(words, pw)
		if err != nil {
			return nil, fmt.Errorf("keys.from_mnemonic: %w", err)
		}
		return one(s, nil)
	})
	walletArgs := func(fn string, args []any) (string, string, string, error) {
		name, hot := so.Wallet, so.Hotkey
		if len(args) > 0 && args[0] != nil {
			s, err := stringArg(fn, "name", args, 0)
			if err != nil {
				return "", "", "", err
			}
			name = s
		}
		if len(args) > 1 && args[1] != nil {
			s, err := stringArg(fn, "hotkey", args, 1)
			if err != nil {
				return "", "", "", err
			}
			hot = s
		}
		if name == "" {
			return "", "", "", argErr(fn, "no wallet name: pass one or run with --wallet NAME")
		}
		if hot == "" {
			hot = "default"
		}
		dir := so.WalletDir
		if dir == "" {
			d, err := keys.DefaultWalletDir()
			if err != nil {
				return "", "", "", fmt.Errorf("%s: %w", fn, err)
			}
			dir = d
		}
		return dir, name, hot, nil
	}
	loadHot := func(fn, dir, name, hot string) (*keys.Signer, error) {
		p, err := keys.WalletKeyfile(dir, name, hot)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", fn, err)
		}
		s, err := keys.LoadKeyfile(p, nil)
		if err != nil {
			return nil, fmt.Errorf("%s: hotkey %s of wallet %s: %w", fn, hot, name, err)
		}
		return s, nil
	}
	// keys.wallet(name, hotkey) -> coldkey, hotkey (the coldkey decrypted
	// with its password).
	add("wallet", func(args []any) ([]any, error) {
		dir, name, hot, err := walletArgs("keys.wallet", args)
		if err != nil {
			return nil, err
		}
		p, err := keys.WalletKeyfile(dir, name, "")
		if err != nil {
			return nil, fmt.Errorf("keys.wallet: %w", err)
		}
		cold, err := keys.LoadKeyfile(p, keys.WalletPassword(name, so.Prompt))
		if err != nil {
			return nil, fmt.Errorf("keys.wallet: coldkey of wallet %s: %w", name, err)
		}
		h, err := loadHot("keys.wallet", dir, name, hot)
		if err != nil {
			return nil, err
		}
		return []any{signerValue{cold}, signerValue{h}}, nil
	})
	// keys.hotkey(name, hotkey) -> the hotkey alone, no password asked.
	add("hotkey", func(args []any) ([]any, error) {
		dir, name, hot, err := walletArgs("keys.hotkey", args)
		if err != nil {
			return nil, err
		}
		return one(loadHot("keys.hotkey", dir, name, hot))
	})
	return m
}
