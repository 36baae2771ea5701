package chain

import (
	"encoding/hex"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/btscript/btscript/chain/keys"
	"github.com/btscript/btscript/chain/rpc"
	"github.com/btscript/btscript/internal/testdata"
	"github.com/btscript/btscript/scale"
	"golang.org/x/crypto/blake2b"
)

func TestEra(t *testing.T) {
	// Substrate's own vectors (sp_runtime::generic::Era tests).
	for _, c := range []struct {
		current, period uint64
		enc             [2]byte
		birth           uint64
	}{
		{42, 64, [2]byte{5 + 42%16*16, 42 / 16}, 42},
		{20000, 32768, [2]byte{14 + 2500%16*16, 2500 / 16}, 20000},
		{20003, 32768, [2]byte{14 + 2500%16*16, 2500 / 16}, 20000}, // quantized phase
		{1000, 50, [2]byte{5 + (1000%64)%16*16, (1000 % 64) / 16}, 1000},
		{7, 3, [2]byte{1 + 3*16, 0}, 7}, // period rounds up to 4
	} {
		enc, birth := era(c.current, c.period)
		if enc != c.enc || birth != c.birth {
			t.Errorf("era(%d, %d) = %x birth %d, want %x birth %d", c.current, c.period, enc, birth, c.enc, c.birth)
		}
	}
}

func finney(t *testing.T) *scale.Metadata {
	t.Helper()
	md, err := scale.Parse(testdata.Hex(t, testdata.MetadataV15))
	if err != nil {
		t.Fatal(err)
	}
	return md
}

// TestSignedExtrinsic builds a transfer against the finney runtime's
// metadata and reads it back with the decoder: the extensions hold what
// was asked, and the signature covers the payload the runtime checks.
func TestSignedExtrinsic(t *testing.T) {
	md := finney(t)
	alice, _ := keys.FromURI("//Alice")
	bob, _ := keys.FromURI("//Bob")
	call, err := EncodeCall(md, "Balances", "transfer_keep_alive", []any{map[string]any{"Id": bob.Address()}, 1_500_000_000})
	if err != nil {
		t.Fatal(err)
	}
	named, err := EncodeCall(md, "Balances", "transfer_keep_alive", []any{map[string]any{"dest": map[string]any{"Id": bob.Address()}, "value": 1_500_000_000}})
	if err != nil || hex.EncodeToString(named) != hex.EncodeToString(call) {
		t.Fatalf("named arguments: %x %v, positional %x", named, err, call)
	}
	genesis := "0x2f0555cc76fc2840a25a6ea3b9637146806f1f44b090c175ffde2a7e5ab36c03"
	at := "0x" + strings.Repeat("ab", 32)
	tc := &txContext{md: md, rv: RuntimeVersion{SpecVersion: 343, TransactionVersion: 1}, genesis: genesis, at: at, number: 1000}
	b, err := tc.sign(nil, nil, alice, call, 77, TxOptions{Tip: 5})
	if err != nil {
		t.Fatal(err)
	}
	x, err := md.DecodeExtrinsic(b)
	if err != nil {
		t.Fatal(err)
	}
	if !x.Signed || x.Address.String() == "" || !strings.Contains(x.Address.String(), alice.Address()) {
		t.Fatalf("address %v", x.Address)
	}
	extra := string(x.Extra.AppendJSON(nil))
	for _, want := range []string{`77`, `5`, `"Disabled"`} {
		if !strings.Contains(extra, want) {
			t.Errorf("extensions %s lack %s", extra, want)
		}
	}
	if got := string(x.Call.AppendJSON(nil)); !strings.Contains(got, `"transfer_keep_alive"`) || !strings.Contains(got, "1500000000") {
		t.Errorf("call %s", got)
	}
	// The payload: call, extra, then spec, tx version, genesis, birth hash
	// (the head, as birth == number) and the metadata hash None.
	// The extensions' bytes sit between the signature and the call:
	// length prefix, version, MultiAddress::Id (33), MultiSignature (65).
	_, k, _ := scale.DecodeCompact(b)
	extraBytes := b[k+1+33+65 : len(b)-len(call)]
	if v, err := md.Decode(md.Extrinsic.ExtraType, extraBytes); err != nil || !v.Equal(x.Extra) {
		t.Fatalf("extension bytes %x: %v %v", extraBytes, v, err)
	}
	payload := append(append([]byte(nil), call...), extraBytes...)
	add := func(h string) { bb, _ := hex.DecodeString(h[2:]); payload = append(payload, bb...) }
	payload = append(payload, 87, 1, 0, 0, 1, 0, 0, 0) // 343, 1 as u32
	add(genesis)
	add(at)
	payload = append(payload, 0) // CheckMetadataHash: None
	if len(payload) > 256 {
		h := blake2b.Sum256(payload)
		payload = h[:]
	}
	sigV, _ := x.Signature.Payload()
	var sig [64]byte
	copy(sig[:], sigV.Bytes())
	if x.Signature.VariantName() != "Sr25519" || !keys.Verify(alice.PublicKey(), payload, sig) {
		t.Fatalf("signature %v does not verify over the expected payload", x.Signature)
	}

	if _, err := tc.sign(nil, nil, alice, call, 0, TxOptions{Period: 1 << 17}); err == nil || !strings.Contains(err.Error(), "era period 131072 is above 65536 blocks") {
		t.Errorf("huge period: %v", err)
	}
	imm, err := tc.sign(nil, nil, alice, call, 0, TxOptions{Immortal: true})
	if err != nil {
		t.Fatal(err)
	}
	xi, _ := md.DecodeExtrinsic(imm)
	if !strings.Contains(string(xi.Extra.AppendJSON(nil)), `"Immortal"`) {
		t.Errorf("immortal extensions: %s", xi.Extra.AppendJSON(nil))
	}
}

func TestUnknownExtensionWithData(t *testing.T) {
	md := finney(t)
	u32 := -1
	for i, ty := range md.Types {
		if ty.Def == scale.DefPrimitive && ty.Prim == scale.PrimU32 {
			u32 = i
		}
	}
	md.Extrinsic.SignedExtensions = append(md.Extrinsic.SignedExtensions, scale.SignedExtension{Identifier: "FutureExtension", Type: u32, AdditionalSigned: u32})
	alice, _ := keys.FromURI("//Alice")
	tc := &txContext{md: md, genesis: "0x" + strings.Repeat("00", 32), at: "0x" + strings.Repeat("00", 32), number: 1}
	_, err := tc.sign(nil, nil, alice, []byte{0, 0}, 0, TxOptions{})
	if err == nil || !strings.Contains(err.Error(), "signed extension FutureExtension carries data of type u32 that btscript does not know how to fill") {
		t.Fatalf("err = %v", err)
	}
}

func TestEncodeCallErrors(t *testing.T) {
	md := finney(t)
	for _, c := range []struct {
		pallet, call string
		args         []any
		want         string
	}{
		{"Balancez", "transfer_keep_alive", nil, "Balancez"},
		{"Balances", "transfer", nil, "pallet Balances has no call transfer (calls: transfer_allow_death"},
		{"Balances", "transfer_keep_alive", []any{1}, "takes 2 arguments (dest: MultiAddress<AccountId32, ()>, value: Compact<u64>), got 1"},
		{"Balances", "transfer_keep_alive", []any{map[string]any{"Id": "nope"}, 1}, "Balances.transfer_keep_alive"},
		{"Balances", "transfer_keep_alive", []any{map[string]any{"dest": map[string]any{"Id": "5FHneW46xGXgs5mUiveU4sbTyGBzmstUspZC92UhjJM694ty"}}}, "missing field value"},
	} {
		_, err := EncodeCall(md, c.pallet, c.call, c.args)
		if !errors.Is(err, ErrCall) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s.%s%v: %v, want %q", c.pallet, c.call, c.args, err, c.want)
		}
	}
}

func TestDispatchErrorNames(t *testing.T) {
	md := finney(t)
	de := -1
	for i, ty := range md.Types {
		if strings.Join(ty.Path, "::") == "sp_runtime::DispatchError" {
			de = i
		}
	}
	if de < 0 {
		t.Fatal("no DispatchError type")
	}
	p, _ := md.Pallet("SubtensorModule")
	var idx uint8
	var name string
	for _, v := range md.Type(p.ErrorType).Variants {
		if v.Name == "NotEnoughBalanceToStake" {
			idx, name = v.Index, v.Name
		}
	}
	for _, c := range []struct {
		bytes []byte
		want  string
	}{
		{[]byte{3, p.Index, idx, 0, 0, 0}, "SubtensorModule." + name},
		{[]byte{3, p.Index, 250, 0, 0, 0}, "SubtensorModule.Error(250)"},
		{[]byte{3, 254, 1, 0, 0, 0}, "Module(index 254, error 01000000)"},
		{[]byte{2}, "BadOrigin"},
	} {
		v, err := md.Decode(de, c.bytes)
		if err != nil {
			t.Fatal(err)
		}
		if got := namedDispatchError(md, v).Name; got != c.want {
			t.Errorf("%x: %s, want %s", c.bytes, got, c.want)
		}
	}
}

func TestStatusAndRejection(t *testing.T) {
	for _, c := range []struct{ raw, status, hash string }{
		{`"ready"`, "ready", ""},
		{`{"inBlock":"0xab"}`, "inBlock", "0xab"},
		{`{"finalized":"0xcd"}`, "finalized", "0xcd"},
		{`"dropped"`, "dropped", ""},
	} {
		s, h, err := parseStatus(json.RawMessage(c.raw))
		if err != nil || s != c.status || h != c.hash {
			t.Errorf("%s: %q %q %v", c.raw, s, h, err)
		}
	}
	if _, _, err := parseStatus(json.RawMessage(`[1]`)); err == nil {
		t.Error("a list was taken for a status")
	}
	for _, c := range []struct {
		err  error
		want string
	}{
		{&rpc.Error{Code: 1010, Message: "Invalid Transaction", Data: json.RawMessage(`{"invalid":{"payment":null}}`)}, "invalid transaction: the account cannot pay the fee (payment): "},
		{&rpc.Error{Code: 1010, Message: `{"invalid":{"stale":null}}`}, "invalid transaction: the nonce was already used (stale): "},
		{&rpc.Error{Code: 1010, Message: "x", Data: json.RawMessage(`{"invalid":{"custom":3}}`)}, "invalid transaction: the runtime refused it with a custom code (custom) 3: "},
		{errors.New("plain"), ""},
	} {
		if got := rejection(c.err); got != c.want {
			t.Errorf("%v: %q, want %q", c.err, got, c.want)
		}
	}
}
