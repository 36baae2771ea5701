package bindings

import (
	"encoding/hex"
	"strings"

	"github.com/btscript/btscript/engine"
	"github.com/btscript/btscript/scale"
	lua "github.com/yuin/gopher-lua"
)

// ss58Module is the ss58 module.
func ss58Module() *engine.Module {
	return engine.NewModule().
		Sync("encode", ss58Encode).
		Sync("decode", ss58Decode).
		Sync("is_valid", ss58IsValid).
		Value("DEFAULT_PREFIX", int64(scale.DefaultSS58Prefix))
}

// ss58Encode is ss58.encode(pubkey [, prefix]): pubkey is 0x-hex or the
// raw 32 bytes; prefix defaults to 42 (Bittensor's).
func ss58Encode(L *lua.LState) int {
	s, ok := L.Get(1).(lua.LString)
	if !ok {
		L.RaiseError("ss58.encode: public key must be a 0x-hex string or 32 raw bytes, got %s", L.Get(1).Type().String())
	}
	var pub []byte
	if strings.HasPrefix(string(s), "0x") {
		b, err := hex.DecodeString(string(s)[2:])
		if err != nil {
			L.RaiseError("ss58.encode: public key is not valid hex: %s", err.Error())
		}
		pub = b
	} else {
		pub = []byte(s)
	}
	if len(pub) != 32 {
		L.RaiseError("ss58.encode: public key must be 32 bytes, got %d", len(pub))
	}
	prefix := uint64(scale.DefaultSS58Prefix)
	if v := L.Get(2); v != lua.LNil {
		n, ok := engine.ToInt(v)
		if !ok || n.Sign() < 0 || !n.IsUint64() || n.Uint64() > scale.MaxSS58Prefix {
			L.RaiseError("ss58.encode: prefix must be an integer 0..%d, got %s", scale.MaxSS58Prefix, luaDescribe(v))
		}
		prefix = n.Uint64()
	}
	L.Push(lua.LString(scale.SS58Encode(pub, uint16(prefix))))
	return 1
}

// ss58Decode is ss58.decode(address): the public key as 0x-hex and the
// prefix.
func ss58Decode(L *lua.LState) int {
	s, ok := L.Get(1).(lua.LString)
	if !ok {
		L.RaiseError("ss58.decode: address must be a string, got %s", L.Get(1).Type().String())
	}
	pub, prefix, err := scale.SS58Decode(string(s))
	if err != nil {
		L.RaiseError("ss58.decode: invalid SS58 address %s: %s", luaDescribe(s), ss58Reason(err))
	}
	L.Push(lua.LString("0x" + hex.EncodeToString(pub)))
	L.Push(lua.LNumber(prefix))
	return 2
}

// ss58IsValid is ss58.is_valid(address): whether address is a well-formed
// SS58 account address (32-byte key, good checksum).
func ss58IsValid(L *lua.LState) int {
	s, ok := L.Get(1).(lua.LString)
	if !ok {
		L.Push(lua.LFalse)
		return 1
	}
	pub, _, err := scale.SS58Decode(string(s))
	L.Push(lua.LBool(err == nil && len(pub) == 32))
	return 1
}
