package bt

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/big"

	"github.com/btscript/btscript/chain"
	"github.com/btscript/btscript/scale"
	"golang.org/x/crypto/blake2b"
)

// ErrArgument marks an action refused before anything was signed, because
// an argument was out of range or malformed.
var ErrArgument = errors.New("invalid argument")

func argErr(action, format string, a ...any) error {
	return fmt.Errorf("%s: %w: %s", action, ErrArgument, fmt.Sprintf(format, a...))
}

// checkActionAddress checks an SS58 account address argument of an action.
func checkActionAddress(action, name, addr string) error {
	pub, _, err := scale.SS58Decode(addr)
	if err != nil {
		return argErr(action, "%s: %v", name, err)
	}
	if len(pub) != 32 {
		return argErr(action, "%s %q is not an account address", name, addr)
	}
	return nil
}

func positive(action, name string, amount Balance) error {
	if amount == 0 {
		return argErr(action, "%s must be more than zero", name)
	}
	return nil
}

// TransferCall is Balances.transfer_keep_alive of amount to dest (the
// sender cannot be reaped), or transfer_allow_death when keepAlive is
// false.
func TransferCall(dest string, amount Balance, keepAlive bool) (chain.Call, error) {
	if err := checkActionAddress("transfer", "dest", dest); err != nil {
		return chain.Call{}, err
	}
	if err := positive("transfer", "amount", amount); err != nil {
		return chain.Call{}, err
	}
	name := "transfer_keep_alive"
	if !keepAlive {
		name = "transfer_allow_death"
	}
	return chain.Call{Pallet: "Balances", Name: name, Args: []any{map[string]any{"Id": dest}, uint64(amount)}}, nil
}

// AddStakeCall is SubtensorModule.add_stake: stake amount of the signer's
// free balance to hotkey on netuid.
func AddStakeCall(hotkey string, netuid uint16, amount Balance) (chain.Call, error) {
	if err := checkActionAddress("add_stake", "hotkey", hotkey); err != nil {
		return chain.Call{}, err
	}
	if err := positive("add_stake", "amount", amount); err != nil {
		return chain.Call{}, err
	}
	return chain.Call{Pallet: "SubtensorModule", Name: "add_stake", Args: []any{hotkey, netuid, uint64(amount)}}, nil
}

// RemoveStakeCall is SubtensorModule.remove_stake (the SDK's unstake) of
// amount (alpha, in rao) from hotkey on netuid.
func RemoveStakeCall(hotkey string, netuid uint16, amount Balance) (chain.Call, error) {
	if err := checkActionAddress("remove_stake", "hotkey", hotkey); err != nil {
		return chain.Call{}, err
	}
	if err := positive("remove_stake", "amount", amount); err != nil {
		return chain.Call{}, err
	}
	return chain.Call{Pallet: "SubtensorModule", Name: "remove_stake", Args: []any{hotkey, netuid, uint64(amount)}}, nil
}

// MoveStakeCall is SubtensorModule.move_stake of amount (alpha, in rao)
// from originHotkey on originNetuid to destHotkey on destNetuid, in the
// SDK's argument order.
func MoveStakeCall(originHotkey string, originNetuid uint16, destHotkey string, destNetuid uint16, amount Balance) (chain.Call, error) {
	if err := checkActionAddress("move_stake", "origin_hotkey", originHotkey); err != nil {
		return chain.Call{}, err
	}
	if err := checkActionAddress("move_stake", "destination_hotkey", destHotkey); err != nil {
		return chain.Call{}, err
	}
	if err := positive("move_stake", "amount", amount); err != nil {
		return chain.Call{}, err
	}
	return chain.Call{Pallet: "SubtensorModule", Name: "move_stake",
		Args: []any{originHotkey, destHotkey, originNetuid, destNetuid, uint64(amount)}}, nil
}

// BurnedRegisterCall is SubtensorModule.burned_register of hotkey on
// netuid, paid by the signing coldkey.
func BurnedRegisterCall(netuid uint16, hotkey string) (chain.Call, error) {
	if err := checkActionAddress("burned_register", "hotkey", hotkey); err != nil {
		return chain.Call{}, err
	}
	return chain.Call{Pallet: "SubtensorModule", Name: "burned_register", Args: []any{netuid, hotkey}}, nil
}

// NormalizeWeights turns weights into the chain's u16 values as the SDK
// does (convert_weights_and_uids_for_emit): scaled so the largest is
// 65535, rounded, and uids whose weight is zero left out. Uids must be
// distinct, weights finite and not negative, and not all zero.
func NormalizeWeights(action string, uids []uint16, weights []float64) ([]uint16, []uint16, error) {
	if len(uids) != len(weights) {
		return nil, nil, argErr(action, "uids and weights differ in length (%d and %d)", len(uids), len(weights))
	}
	if len(uids) == 0 {
		return nil, nil, argErr(action, "no uids given")
	}
	seen := make(map[uint16]bool, len(uids))
	top := 0.0
	for i, w := range weights {
		if math.IsNaN(w) || math.IsInf(w, 0) || w < 0 {
			return nil, nil, argErr(action, "weight %d is %v: weights must be finite and not negative", i+1, w)
		}
		if seen[uids[i]] {
			return nil, nil, argErr(action, "uid %d appears twice", uids[i])
		}
		seen[uids[i]] = true
		top = max(top, w)
	}
	if top == 0 {
		return nil, nil, argErr(action, "every weight is zero")
	}
	var outU, outW []uint16
	for i, w := range weights {
		v := math.Round(w / top * math.MaxUint16)
		if v == 0 {
			continue
		}
		outU = append(outU, uids[i])
		outW = append(outW, uint16(v))
	}
	return outU, outW, nil
}

// SetWeightsCall is SubtensorModule.set_weights on netuid, signed by the
// validator's hotkey, with weights normalized as the SDK does.
func SetWeightsCall(netuid uint16, uids []uint16, weights []float64, versionKey uint64) (chain.Call, error) {
	u, w, err := NormalizeWeights("set_weights", uids, weights)
	if err != nil {
		return chain.Call{}, err
	}
	return chain.Call{Pallet: "SubtensorModule", Name: "set_weights", Args: []any{netuid, u, w, versionKey}}, nil
}

// WeightsCommitHash is the hash commit_weights commits to, as the runtime
// checks it on reveal: blake2-256 of SCALE (hotkey, netuid, uids, values,
// salt, version_key).
func WeightsCommitHash(hotkey [32]byte, netuid uint16, uids, values, salt []uint16, versionKey uint64) [32]byte {
	b := append([]byte(nil), hotkey[:]...)
	b = append(b, byte(netuid), byte(netuid>>8))
	for _, xs := range [][]uint16{uids, values, salt} {
		b = scale.AppendCompact(b, uint64(len(xs)))
		for _, x := range xs {
			b = append(b, byte(x), byte(x>>8))
		}
	}
	for i := 0; i < 8; i++ {
		b = append(b, byte(versionKey>>(8*i)))
	}
	return blake2b.Sum256(b)
}

// CommitWeightsCall is SubtensorModule.commit_weights of the normalized
// weights with salt; RevealWeightsCall reveals them.
func CommitWeightsCall(hotkey [32]byte, netuid uint16, salt []uint16, uids []uint16, weights []float64, versionKey uint64) (chain.Call, error) {
	u, w, err := NormalizeWeights("commit_weights", uids, weights)
	if err != nil {
		return chain.Call{}, err
	}
	if len(salt) == 0 {
		return chain.Call{}, argErr("commit_weights", "salt is empty")
	}
	h := WeightsCommitHash(hotkey, netuid, u, w, salt, versionKey)
	return chain.Call{Pallet: "SubtensorModule", Name: "commit_weights", Args: []any{netuid, h[:]}}, nil
}

// RevealWeightsCall is SubtensorModule.reveal_weights of weights committed
// with CommitWeightsCall.
func RevealWeightsCall(netuid uint16, uids []uint16, weights []float64, salt []uint16, versionKey uint64) (chain.Call, error) {
	u, w, err := NormalizeWeights("reveal_weights", uids, weights)
	if err != nil {
		return chain.Call{}, err
	}
	if len(salt) == 0 {
		return chain.Call{}, argErr("reveal_weights", "salt is empty")
	}
	return chain.Call{Pallet: "SubtensorModule", Name: "reveal_weights", Args: []any{netuid, u, w, salt, versionKey}}, nil
}

// Axon is what serve_axon announces.
type Axon struct {
	IP       *big.Int // IPv4 or IPv6 address as an integer
	IPType   uint8    // 4 or 6
	Port     uint16
	Protocol uint8
	Version  uint32
}

// ServeAxonCall is SubtensorModule.serve_axon on netuid, signed by the
// hotkey.
func ServeAxonCall(netuid uint16, a Axon) (chain.Call, error) {
	if a.IPType != 4 && a.IPType != 6 {
		return chain.Call{}, argErr("serve_axon", "ip_type must be 4 or 6, got %d", a.IPType)
	}
	if a.IP == nil || a.IP.Sign() < 0 || a.IP.BitLen() > 128 || (a.IPType == 4 && a.IP.BitLen() > 32) {
		return chain.Call{}, argErr("serve_axon", "ip is not an IPv%d address", a.IPType)
	}
	if a.Port == 0 {
		return chain.Call{}, argErr("serve_axon", "port must be 1..65535")
	}
	return chain.Call{Pallet: "SubtensorModule", Name: "serve_axon",
		Args: []any{netuid, a.Version, a.IP, a.Port, a.IPType, a.Protocol, uint8(0), uint8(0)}}, nil
}

// SetChildrenCall is SubtensorModule.set_children of hotkey on netuid,
// signed by the hotkey's coldkey; proportions become u64 fractions of
// 2^64-1 as the SDK converts them (in float64), and must not sum above 1.
func SetChildrenCall(hotkey string, netuid uint16, children []Child) (chain.Call, error) {
	if err := checkActionAddress("set_children", "hotkey", hotkey); err != nil {
		return chain.Call{}, err
	}
	sum := 0.0
	list := make([]any, len(children))
	for i, ch := range children {
		if err := checkActionAddress("set_children", fmt.Sprintf("child %d", i+1), ch.Hotkey); err != nil {
			return chain.Call{}, err
		}
		if ch.Hotkey == hotkey {
			return chain.Call{}, argErr("set_children", "child %d is the parent hotkey itself", i+1)
		}
		p := ch.Proportion
		if math.IsNaN(p) || p < 0 || p > 1 {
			return chain.Call{}, argErr("set_children", "child %d proportion %v is not within 0..1", i+1, p)
		}
		sum += p
		// In float64, as the SDK's float_to_u64 computes it; 1 saturates.
		f := p * float64(math.MaxUint64)
		u := uint64(math.MaxUint64)
		if f < float64(math.MaxUint64) {
			u = uint64(f)
		}
		list[i] = []any{u, ch.Hotkey}
	}
	if sum > 1+1e-9 {
		return chain.Call{}, argErr("set_children", "proportions sum to %v, above 1", sum)
	}
	return chain.Call{Pallet: "SubtensorModule", Name: "set_children", Args: []any{hotkey, netuid, list}}, nil
}

// Submit submits a call built by one of the *Call functions; an error
// from building it is returned as is, before anything is signed.
func Submit(ctx context.Context, c *chain.Client, s chain.Signer, call chain.Call, err error, opts chain.TxOptions) (*chain.Receipt, error) {
	if err != nil {
		return nil, err
	}
	return c.SubmitCall(ctx, s, call, opts)
}

// Transfer sends amount from the signer to dest (keep-alive) and waits for
// it to be included.
func Transfer(ctx context.Context, c *chain.Client, s chain.Signer, dest string, amount Balance, opts chain.TxOptions) (*chain.Receipt, error) {
	call, err := TransferCall(dest, amount, true)
	return Submit(ctx, c, s, call, err, opts)
}

// AddStake stakes amount from the signer (a coldkey) to hotkey on netuid.
func AddStake(ctx context.Context, c *chain.Client, s chain.Signer, hotkey string, netuid uint16, amount Balance, opts chain.TxOptions) (*chain.Receipt, error) {
	call, err := AddStakeCall(hotkey, netuid, amount)
	return Submit(ctx, c, s, call, err, opts)
}

// SetWeights sets the signer's (a hotkey's) weights on netuid.
func SetWeights(ctx context.Context, c *chain.Client, s chain.Signer, netuid uint16, uids []uint16, weights []float64, versionKey uint64, opts chain.TxOptions) (*chain.Receipt, error) {
	call, err := SetWeightsCall(netuid, uids, weights, versionKey)
	return Submit(ctx, c, s, call, err, opts)
}
