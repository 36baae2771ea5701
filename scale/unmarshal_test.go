package scale

import (
	"bytes"
	"encoding/json"
	"errors"
	"math/big"
	"reflect"
	"strings"
	"testing"
)

// The Go shape of the runtime's NeuronInfoLite (spec 343), as a user would
// write it.
type axonInfo struct {
	Block        uint64
	Version      uint32
	IP           *big.Int `json:"ip"` // u128
	Port         uint16
	IPType       uint8 `json:"ip_type"`
	Protocol     uint8
	Placeholder1 uint8
	Placeholder2 uint8
}

type prometheusInfo struct {
	Block   uint64
	Version uint32
	IP      *big.Int `json:"ip"`
	Port    uint16
	IPType  uint8 `json:"ip_type"`
}

type stakeEntry struct {
	Hotkey AccountID
	Amount uint64
}

func (s stakeEntry) MarshalJSON() ([]byte, error) { return json.Marshal([]any{s.Hotkey, s.Amount}) }

type neuronLite struct {
	Hotkey          AccountID
	Coldkey         AccountID
	UID             uint16 `scale:"uid" json:"uid"`
	Netuid          uint16
	Active          bool
	AxonInfo        axonInfo       `json:"axon_info"`
	PrometheusInfo  prometheusInfo `json:"prometheus_info"`
	Stake           []stakeEntry
	Rank            uint16
	Emission        uint64
	Incentive       uint16
	Consensus       uint16
	Trust           uint16
	ValidatorTrust  uint16 `json:"validator_trust"`
	Dividends       uint16
	LastUpdate      uint64 `json:"last_update"`
	ValidatorPermit bool   `json:"validator_permit"`
	PruningScore    uint16 `json:"pruning_score"`
}

func neuronsLite(tb testing.TB) Value {
	m := metaV15(tb)
	me, err := m.MethodByRPCName("NeuronInfoRuntimeApi_get_neurons_lite")
	if err != nil {
		tb.Fatal(err)
	}
	v, err := m.Decode(me.Output, recordedHex(tb, "metagraph", "state_call", neuronsLiteParams))
	if err != nil {
		tb.Fatal(err)
	}
	return v
}

// canonicalJSON parses JSON text with exact numbers, for comparing two
// documents that may differ only in key order, key case or spacing.
func canonicalJSON(t *testing.T, b []byte) any {
	t.Helper()
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	var out any
	if err := d.Decode(&out); err != nil {
		t.Fatalf("%v in %.200s", err, b)
	}
	return lowerKeys(out)
}

// lowerKeys lower-cases object keys: encoding/json writes a Go field's
// name as it is spelt (Hotkey), the value has the runtime's (hotkey).
func lowerKeys(x any) any {
	switch x := x.(type) {
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, v := range x {
			out[strings.ToLower(k)] = lowerKeys(v)
		}
		return out
	case []any:
		for i, v := range x {
			x[i] = lowerKeys(v)
		}
	}
	return x
}

// TestUnmarshalNeuronsLite stores the 1024 recorded finney neurons in Go
// structs and checks that every field of every neuron arrived: the structs
// written back as JSON are the value's own JSON.
func TestUnmarshalNeuronsLite(t *testing.T) {
	v := neuronsLite(t)
	var ns []neuronLite
	if err := v.Unmarshal(&ns); err != nil {
		t.Fatal(err)
	}
	if len(ns) != 1024 {
		t.Fatalf("%d neurons, want 1024", len(ns))
	}
	if ns[0].Hotkey.String() != "5DkMmXtWf16RNdusZGCrJ7ca7ADPgRnZLVWCWbgA7s7sy1AQ" || ns[0].AxonInfo.Port != 6028 ||
		ns[0].Stake[0].Amount != 2557172316 || ns[0].LastUpdate != 2543521 {
		t.Errorf("neuron 0 = %+v", ns[0])
	}
	got, err := json.Marshal(ns)
	if err != nil {
		t.Fatal(err)
	}
	if g, w := canonicalJSON(t, got), canonicalJSON(t, v.AppendJSON(nil)); !reflect.DeepEqual(g, w) {
		t.Errorf("the structs differ from the value:\n got %.400s\nwant %.400s", got, v.AppendJSON(nil))
	}
}

func TestUnmarshalRules(t *testing.T) {
	big1 := new(big.Int).Lsh(big.NewInt(1), 100)
	acct := bytes.Repeat([]byte{0xd4}, 32)
	addr := NewAccount(acct, 42).String()
	names := []string{"free", "last_update", "extra"}
	comp := NewComposite(names, []Value{NewUint(5), NewUint(7), NewString("x")})

	var u8 uint8
	var i16 int16
	var f64 float64
	var f32 float32
	var s string
	var bs []byte
	var arr [32]byte
	var bi big.Int
	var pbi *big.Int
	var pu *uint32
	var anyv any
	var val Value
	var m map[string]uint64
	var mk map[uint16]string
	var seq []uint64
	var a3 [3]uint8
	type balance struct {
		Free       uint64
		LastUpdate uint64
	}
	var st balance
	type tuple struct {
		A string
		B uint64
	}
	var tp tuple
	type opt struct {
		Free    uint64
		Missing uint64 `scale:"missing,optional"`
		Skip    uint64 `scale:"-"`
		Renamed uint64 `scale:"last_update"`
	}
	var op opt

	ok := []struct {
		name string
		v    Value
		dst  any
		want any
	}{
		{"u8", NewUint(255), &u8, uint8(255)},
		{"i16 negative", NewInt(-300), &i16, int16(-300)},
		{"float exact", NewUint(1 << 60), &f64, float64(1 << 60)},
		{"float32 exact", NewUint(1 << 24), &f32, float32(1 << 24)},
		{"string", NewString("hé"), &s, "hé"},
		{"account as text", NewAccount(acct, 42), &s, addr},
		{"unit variant", NewVariant("Yes"), &s, "Yes"},
		{"bytes", NewBytes([]byte{1, 2}), &bs, []byte{1, 2}},
		{"compact u8 sequence as bytes", NewSeq([]Value{NewUint(104), NewUint(105)}), &bs, []byte("hi")},
		{"account as array", NewAccount(acct, 42), &arr, [32]byte(acct)},
		{"big.Int", NewBig(big1), &bi, *big1},
		{"*big.Int", NewBig(big1), &pbi, big1},
		{"None into pointer", Null, &pu, (*uint32)(nil)},
		{"Some into pointer", NewUint(9), &pu, func() *uint32 { x := uint32(9); return &x }()},
		{"any gets the Value", NewUint(3), &anyv, NewUint(3)},
		{"Value", comp, &val, comp},
		{"composite into map", NewComposite(names[:2], []Value{NewUint(1), NewUint(2)}), &m, map[string]uint64{"free": 1, "last_update": 2}},
		{"pairs into map", NewSeq([]Value{NewSeq([]Value{NewUint(1), NewString("a")})}), &mk, map[uint16]string{1: "a"}},
		{"sequence", NewSeq([]Value{NewUint(1), NewUint(2)}), &seq, []uint64{1, 2}},
		{"array", NewSeq([]Value{NewUint(1), NewUint(2), NewUint(3)}), &a3, [3]uint8{1, 2, 3}},
		{"struct by folded names", comp, &st, balance{Free: 5, LastUpdate: 7}},
		{"tuple into struct", NewSeq([]Value{NewString("k"), NewUint(4)}), &tp, tuple{"k", 4}},
		{"tags", comp, &op, opt{Free: 5, Renamed: 7}},
	}
	for _, c := range ok {
		t.Run(c.name, func(t *testing.T) {
			if err := c.v.Unmarshal(c.dst); err != nil {
				t.Fatal(err)
			}
			got := reflect.ValueOf(c.dst).Elem().Interface()
			if gv, isValue := got.(Value); isValue {
				if !gv.Equal(c.want.(Value)) {
					t.Errorf("got %v, want %v", gv, c.want)
				}
				return
			}
			if !reflect.DeepEqual(got, c.want) {
				t.Errorf("got %#v, want %#v", got, c.want)
			}
		})
	}

	bad := []struct {
		name string
		v    Value
		dst  any
		want string // in the message
	}{
		{"overflow", NewUint(256), &u8, "at top into Go uint8: 256 does not fit"},
		{"negative into unsigned", NewInt(-1), &u8, "-1 does not fit"},
		{"inexact float", NewUint(1<<53 + 1), &f64, "9007199254740993 is not exact as a float"},
		{"inexact float32", NewUint(1<<24 + 1), &f32, "not exact"},
		{"big into float", NewBig(new(big.Int).Lsh(big.NewInt(1), 2000)), &f64, "not exact"},
		{"text into int", NewString("1"), &u8, "not an integer"},
		{"variant with data", NewVariantWith("Some", NewUint(1)), &s, "variant Some carries data"},
		{"short array", NewSeq([]Value{NewUint(1)}), &a3, "1 items for 3"},
		{"account into short array", NewAccount(acct[:31], 42), &arr, "31 bytes for 32"},
		{"missing field", NewComposite([]string{"free"}, []Value{NewUint(1)}), &st, "the value has no field LastUpdate"},
		{"nested path", NewSeq([]Value{comp, NewComposite(names, []Value{NewUint(1), NewString("x"), Null})}), &[]balance{}, "at [1].last_update into Go uint64: not an integer"},
		{"not a pointer", NewUint(1), u8, "non-nil pointer"},
		{"nil pointer", NewUint(1), (*uint8)(nil), "non-nil pointer"},
		{"channel", NewUint(1), new(chan int), "cannot hold"},
		{"not a byte", NewSeq([]Value{NewUint(300)}), &bs, "at [0] into Go uint8: not a byte"},
		{"tuple size", NewSeq([]Value{NewString("k")}), &tp, "1 items for 2 fields"},
	}
	for _, c := range bad {
		t.Run(c.name, func(t *testing.T) {
			err := c.v.Unmarshal(c.dst)
			var ue *UnmarshalError
			if !errors.As(err, &ue) {
				t.Fatalf("err = %v, want an *UnmarshalError", err)
			}
			if !strings.Contains(err.Error(), c.want) {
				t.Errorf("err = %q, want it to say %q", err, c.want)
			}
		})
	}
}

type celsius int

func (c *celsius) UnmarshalValue(v Value) error {
	x, ok := v.Int()
	if !ok {
		return errors.New("want an integer")
	}
	*c = celsius(x - 273)
	return nil
}

func TestUnmarshalCustomAndRecursive(t *testing.T) {
	var c []celsius
	if err := NewSeq([]Value{NewUint(300)}).Unmarshal(&c); err != nil || c[0] != 27 {
		t.Fatalf("%v %v", c, err)
	}
	err := NewSeq([]Value{NewString("hot")}).Unmarshal(&c)
	var ue *UnmarshalError
	if !errors.As(err, &ue) || ue.Path != "[0]" || ue.Err == nil || !strings.Contains(err.Error(), "want an integer") {
		t.Errorf("err = %v", err)
	}

	type node struct {
		Name     string
		Children []node
	}
	leaf := NewComposite([]string{"name", "children"}, []Value{NewString("leaf"), NewSeq(nil)})
	root := NewComposite([]string{"name", "children"}, []Value{NewString("root"), NewSeq([]Value{leaf})})
	var n node
	if err := root.Unmarshal(&n); err != nil || n.Name != "root" || len(n.Children) != 1 || n.Children[0].Name != "leaf" {
		t.Errorf("%+v %v", n, err)
	}
}

// BenchmarkUnmarshalNeuronsLite stores the 1024 recorded finney neurons in
// Go structs: directly, and the other way a program could, through the
// value's JSON and encoding/json.
func BenchmarkUnmarshalNeuronsLite(b *testing.B) {
	v := neuronsLite(b)
	b.Run("direct", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var ns []neuronLite
			if err := v.Unmarshal(&ns); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("json-round-trip", func(b *testing.B) {
		type jsonNeuron struct {
			neuronLite
			Stake [][2]json.RawMessage
		}
		b.ReportAllocs()
		for b.Loop() {
			var ns []jsonNeuron
			if err := json.Unmarshal(v.AppendJSON(nil), &ns); err != nil {
				b.Fatal(err)
			}
		}
	})
}
