package chain

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"strings"
	"sync"
	"time"

	"github.com/btscript/btscript/chain/rpc"
	"github.com/btscript/btscript/scale"
	"golang.org/x/crypto/blake2b"
)

// Errors of a submission, inspectable with errors.Is / errors.As.
var (
	// ErrRejected: the node refused the transaction before it reached a
	// block (bad signature, cannot pay the fee, stale nonce, ...); the
	// error carries the node's reason.
	ErrRejected = errors.New("transaction rejected")
	// ErrDropped: the transaction left the pool without being included
	// (dropped, usurped, invalid after being accepted).
	ErrDropped = errors.New("transaction not included")
)

// DispatchError is the failure of an included extrinsic: its
// ExtrinsicFailed event, decoded. A module error is named
// "Pallet.ErrorName" (SubtensorModule.NotEnoughBalanceToStake).
type DispatchError struct {
	Name string // "SubtensorModule.NotEnoughBalanceToStake", "BadOrigin", "Token.FundsUnavailable"
	// Value is the DispatchError as decoded.
	Value scale.Value
}

func (e *DispatchError) Error() string {
	return "dispatch error " + e.Name
}

// Receipt says what happened to a submitted extrinsic.
type Receipt struct {
	Tx          *Tx
	BlockHash   string
	BlockNumber uint64
	Index       int // position of the extrinsic in the block
	Finalized   bool
	// Events are the extrinsic's events ({Pallet: {Event: data}}), in order.
	Events []scale.Value
	// Success is false when the extrinsic was included but failed; Error
	// then says why.
	Success bool
	Error   *DispatchError
	// Fee is what the signer paid (TransactionPayment.TransactionFeePaid
	// actual_fee), in rao; EstimatedFee is query_info's partial_fee from
	// before submitting.
	Fee, EstimatedFee *big.Int
}

// nonces hands out consecutive nonces per account.
type nonces struct {
	mu   sync.Mutex
	accs map[[32]byte]*accountNonce
}

type accountNonce struct {
	// turn is held (a value in it) from taking a nonce until the node
	// accepted the transaction; a channel so a waiter can give up when its
	// context ends.
	turn  chan struct{}
	next  uint64
	known bool
}

// lock takes the account's turn, or fails when ctx ends first.
func (a *accountNonce) lock(ctx context.Context) error {
	select {
	case a.turn <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (a *accountNonce) unlock() { <-a.turn }

// forget makes the next submission read the nonce from the node again.
func (a *accountNonce) forget() {
	a.turn <- struct{}{}
	a.known = false
	<-a.turn
}

func (n *nonces) account(pub [32]byte) *accountNonce {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.accs == nil {
		n.accs = map[[32]byte]*accountNonce{}
	}
	a := n.accs[pub]
	if a == nil {
		a = &accountNonce{turn: make(chan struct{}, 1)}
		n.accs[pub] = a
	}
	return a
}

// accountNextIndex asks the node for an account's next nonce, counting
// the transactions in its pool.
func (c *Client) accountNextIndex(ctx context.Context, pub [32]byte) (uint64, error) {
	var n uint64
	if err := c.call(ctx, &n, "system_accountNextIndex", scale.SS58Encode(pub[:], 42)); err != nil {
		return 0, fmt.Errorf("nonce: %w", err)
	}
	return n, nil
}

// BuildTx encodes and signs pallet.call with args, with the next nonce of
// the signer's account, without submitting it or taking the nonce (for a
// dry run).
func (c *Client) BuildTx(ctx context.Context, s Signer, pallet, call string, args []any, opts TxOptions) (*Tx, error) {
	tc, callBytes, err := c.prepare(ctx, pallet, call, args, opts)
	if err != nil {
		return nil, err
	}
	a := c.nonces.account(s.PublicKey())
	if err := a.lock(ctx); err != nil {
		return nil, fmt.Errorf("tx %s.%s: %w", pallet, call, err)
	}
	nonce, known := a.next, a.known
	a.unlock()
	if !known {
		if nonce, err = c.accountNextIndex(ctx, s.PublicKey()); err != nil {
			return nil, fmt.Errorf("tx %s.%s: %w", pallet, call, err)
		}
	}
	return c.finish(ctx, tc, s, pallet, call, callBytes, nonce, opts)
}

func (c *Client) prepare(ctx context.Context, pallet, call string, args []any, opts TxOptions) (*txContext, []byte, error) {
	tc, err := c.txContext(ctx)
	if err != nil {
		return nil, nil, fmt.Errorf("tx %s.%s: %w", pallet, call, err)
	}
	b, err := EncodeCall(tc.md, pallet, call, args)
	if err != nil {
		return nil, nil, err
	}
	return tc, b, nil
}

func (c *Client) finish(ctx context.Context, tc *txContext, s Signer, pallet, call string, callBytes []byte, nonce uint64, opts TxOptions) (*Tx, error) {
	b, err := tc.sign(ctx, c, s, callBytes, nonce, opts)
	if err != nil {
		return nil, fmt.Errorf("tx %s.%s: %w", pallet, call, err)
	}
	pub := s.PublicKey()
	h := blake2b.Sum256(b)
	return &Tx{Pallet: pallet, Call: call, Signer: scale.SS58Encode(pub[:], 42), Nonce: nonce, Tip: opts.Tip,
		Bytes: b, Hash: hexOf(h[:]), CallHex: hexOf(callBytes), At: tc.at}, nil
}

// QueryFee returns the fee the runtime charges for tx
// (TransactionPaymentApi.query_info's partial_fee, in rao) at the block
// it was built against, with the whole dispatch info.
func (c *Client) QueryFee(ctx context.Context, tx *Tx) (*big.Int, scale.Value, error) {
	md, err := c.metadata(ctx, tx.At)
	if err != nil {
		return nil, scale.Null, fmt.Errorf("fee: %w", err)
	}
	var out []byte
	var info scale.Value
	m, merr := md.Method("TransactionPaymentApi", "query_info")
	args := append(append([]byte(nil), tx.Bytes...), byte(len(tx.Bytes)), byte(len(tx.Bytes)>>8), byte(len(tx.Bytes)>>16), byte(len(tx.Bytes)>>24))
	if out, err = c.callRaw(ctx, tx.At, "TransactionPaymentApi_query_info", args); err != nil {
		return nil, scale.Null, fmt.Errorf("fee: TransactionPaymentApi.query_info: %w", err)
	}
	if merr != nil {
		return nil, scale.Null, fmt.Errorf("fee: %w", merr)
	}
	if info, err = m.DecodeOutput(out); err != nil {
		return nil, scale.Null, fmt.Errorf("fee: %w", err)
	}
	fee, ok := info.Field("partial_fee")
	if !ok || !fee.IsInteger() {
		return nil, info, fmt.Errorf("fee: query_info answered without a partial_fee: %s", info)
	}
	return fee.BigInt(), info, nil
}

// Submit encodes, signs and submits pallet.call with args, and waits for
// it to be included (and finalized with opts.WaitFinalized). Submissions
// from one account take consecutive nonces and reach the node in nonce
// order; submissions from different accounts run in parallel. A
// transaction is sent once: it is never sent again, whatever happens after.
// An included extrinsic that failed gives a Receipt with Success false and
// Error set, and a nil error.
func (c *Client) Submit(ctx context.Context, s Signer, pallet, call string, args []any, opts TxOptions) (*Receipt, error) {
	tc, callBytes, err := c.prepare(ctx, pallet, call, args, opts)
	if err != nil {
		return nil, err
	}
	a := c.nonces.account(s.PublicKey())
	if err := a.lock(ctx); err != nil {
		return nil, fmt.Errorf("tx %s.%s: waiting for the account's earlier submissions: %w", pallet, call, err)
	}
	locked := true
	unlock := func() {
		if locked {
			locked = false
			a.unlock()
		}
	}
	defer unlock()
	if !a.known {
		n, err := c.accountNextIndex(ctx, s.PublicKey())
		if err != nil {
			return nil, fmt.Errorf("tx %s.%s: %w", pallet, call, err)
		}
		a.next, a.known = n, true
	}
	tx, err := c.finish(ctx, tc, s, pallet, call, callBytes, a.next, opts)
	if err != nil {
		return nil, err
	}
	fee, _, err := c.QueryFee(ctx, tx)
	if err != nil {
		return nil, fmt.Errorf("tx %s.%s: %w", pallet, call, err)
	}
	sub, err := c.t.Subscribe(ctx, "author_submitAndWatchExtrinsic", "author_unwatchExtrinsic", hexOf(tx.Bytes))
	if err != nil {
		// The node may have taken it before the answer was lost: read the
		// nonce again next time rather than guess.
		a.known = false
		return nil, fmt.Errorf("tx %s.%s nonce %d: %w: %s%w", pallet, call, tx.Nonce, ErrRejected, rejection(err), err)
	}
	a.next++
	unlock()
	defer sub.Unsubscribe()
	r := &Receipt{Tx: tx, EstimatedFee: fee}
	limit := time.NewTimer(c.watchTimeout())
	defer limit.Stop()
	for {
		var raw json.RawMessage
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("tx %s.%s nonce %d (%s): sent, then %w", pallet, call, tx.Nonce, tx.Hash, ctx.Err())
		case <-limit.C:
			a.forget()
			return nil, fmt.Errorf("tx %s.%s nonce %d (%s): sent, then %w: no block reported it within %v", pallet, call, tx.Nonce, tx.Hash, ErrDropped, c.watchTimeout())
		case m, ok := <-sub.C():
			if !ok {
				a.forget()
				return nil, fmt.Errorf("tx %s.%s nonce %d (%s): sent, then the watch ended: %w", pallet, call, tx.Nonce, tx.Hash, sub.Err())
			}
			raw = m
		}
		status, hash, err := parseStatus(raw)
		if err != nil {
			return nil, fmt.Errorf("tx %s.%s: %w", pallet, call, err)
		}
		switch status {
		case "inBlock", "finalized":
			if r.BlockHash != hash {
				r.BlockHash = hash
				if err := c.fillReceipt(ctx, r); err != nil {
					return nil, fmt.Errorf("tx %s.%s nonce %d in block %s: %w", pallet, call, tx.Nonce, hash, err)
				}
			}
			r.Finalized = status == "finalized"
			if r.Finalized || !opts.WaitFinalized {
				return r, nil
			}
		case "dropped", "invalid", "usurped", "finalityTimeout":
			a.forget()
			return nil, fmt.Errorf("tx %s.%s nonce %d (%s): %w: %s", pallet, call, tx.Nonce, tx.Hash, ErrDropped, status)
		}
	}
}

// invalidReasons explains the node's reasons for refusing a transaction
// (error 1010 "Invalid Transaction" / 1011 "Unknown Transaction", data
// {"invalid": {REASON: ...}}).
var invalidReasons = map[string]string{
	"badProof":            "bad signature",
	"payment":             "the account cannot pay the fee",
	"stale":               "the nonce was already used",
	"future":              "the nonce is ahead of the account's",
	"ancientBirthBlock":   "the era's birth block is too old",
	"exhaustsResources":   "the block is full",
	"badMandatory":        "a mandatory dispatch failed",
	"mandatoryValidation": "a mandatory extrinsic was submitted",
	"badSigner":           "the signer cannot submit this call",
	"call":                "the call is not allowed",
	"custom":              "the runtime refused it with a custom code",
}

// rejection names the reason of a node's refusal ("invalid transaction:
// bad signature (badProof): "), or "" when the error is not one.
func rejection(err error) string {
	var re *rpc.Error
	if !errors.As(err, &re) {
		return ""
	}
	// Substrate puts the reason in data; Chopsticks in the message.
	var d map[string]map[string]json.RawMessage
	if json.Unmarshal(re.Data, &d) != nil && json.Unmarshal([]byte(re.Message), &d) != nil {
		return ""
	}
	for kind, reasons := range d {
		for r, detail := range reasons {
			why := invalidReasons[r]
			if why == "" {
				why = r
			} else {
				why += " (" + r + ")"
			}
			if r == "custom" {
				why += " " + string(detail)
			}
			return kind + " transaction: " + why + ": "
		}
	}
	return ""
}

// parseStatus reads one author_extrinsicUpdate: a bare status string or
// {status: data}.
func parseStatus(raw json.RawMessage) (status, hash string, err error) {
	if json.Unmarshal(raw, &status) == nil {
		return status, "", nil
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil || len(m) != 1 {
		return "", "", fmt.Errorf("unexpected extrinsic status %.100s", raw)
	}
	for k, v := range m {
		status = k
		json.Unmarshal(v, &hash)
	}
	return status, hash, nil
}

// fillReceipt finds the extrinsic in its block and decodes its events.
func (c *Client) fillReceipt(ctx context.Context, r *Receipt) error {
	b, err := c.Block(ctx, r.BlockHash)
	if err != nil {
		return err
	}
	want := hexOf(r.Tx.Bytes)
	r.Index = -1
	for i, x := range b.Extrinsics {
		if strings.EqualFold(x, want) {
			r.Index = i
			break
		}
	}
	if r.Index < 0 {
		// The same transaction signed again (signing is randomized): a
		// replay of a recorded run signs anew. Only the signer could have
		// made it, and an account's nonce is used once, so it is ours; the
		// receipt then describes the extrinsic the block holds.
		if mine, ok := scale.BlankSignature(r.Tx.Bytes); ok {
			for i, x := range b.Extrinsics {
				raw, err := hex.DecodeString(strings.TrimPrefix(x, "0x"))
				if theirs, ok := scale.BlankSignature(raw); err == nil && ok && bytes.Equal(theirs, mine) {
					h := blake2b.Sum256(raw)
					tx := *r.Tx
					tx.Bytes, tx.Hash = raw, hexOf(h[:])
					r.Tx, r.Index = &tx, i
					break
				}
			}
		}
	}
	if r.Index < 0 {
		return fmt.Errorf("the node reported the extrinsic in this block, but its body does not hold it")
	}
	r.BlockNumber = b.Header.Number
	events, err := c.Events(ctx, r.BlockHash)
	if err != nil {
		return err
	}
	md, err := c.metadata(ctx, r.BlockHash)
	if err != nil {
		return err
	}
	r.Events = r.Events[:0]
	r.Success, r.Error, r.Fee = false, nil, nil
	decided := false
	for _, rec := range events.Items() {
		phase, _ := rec.Field("phase")
		if phase.VariantName() != "ApplyExtrinsic" {
			continue
		}
		if p, _ := phase.Payload(); func() bool { n, ok := p.Uint(); return !ok || n != uint64(r.Index) }() {
			continue
		}
		ev, _ := rec.Field("event")
		r.Events = append(r.Events, ev)
		pallet := ev.VariantName()
		inner, _ := ev.Payload()
		switch pallet + "." + inner.VariantName() {
		case "System.ExtrinsicSuccess":
			r.Success, decided = true, true
		case "System.ExtrinsicFailed":
			data, _ := inner.Payload()
			de, _ := data.Field("dispatch_error")
			r.Error, decided = namedDispatchError(md, de), true
		case "TransactionPayment.TransactionFeePaid":
			data, _ := inner.Payload()
			if f, ok := data.Field("actual_fee"); ok && f.IsInteger() {
				r.Fee = f.BigInt()
			}
		}
	}
	if !decided {
		return fmt.Errorf("no ExtrinsicSuccess or ExtrinsicFailed event for extrinsic %d", r.Index)
	}
	return nil
}

// namedDispatchError names a DispatchError value: a module error by its
// pallet and the pallet's error variant.
func namedDispatchError(md *scale.Metadata, de scale.Value) *DispatchError {
	e := &DispatchError{Name: de.VariantName(), Value: de}
	p, ok := de.Payload()
	if !ok {
		return e
	}
	if e.Name == "Module" {
		idx, _ := p.Field("index")
		code, _ := p.Field("error")
		pi, _ := idx.Uint()
		cb := code.Bytes()
		pal, ok := md.PalletByIndex(uint8(pi))
		if !ok || len(cb) == 0 {
			e.Name = fmt.Sprintf("Module(index %d, error %x)", pi, cb)
			return e
		}
		e.Name = fmt.Sprintf("%s.Error(%d)", pal.Name, cb[0])
		if t := md.Type(pal.ErrorType); t != nil {
			for _, v := range t.Variants {
				if v.Index == cb[0] {
					e.Name = pal.Name + "." + v.Name
				}
			}
		}
		return e
	}
	if n := p.VariantName(); n != "" {
		e.Name += "." + n
	}
	return e
}

// DefaultWatchTimeout bounds the wait for a submitted transaction's block
// (and finality): past it a mortal transaction of DefaultEraPeriod blocks
// can no longer be included on a chain of 12-second blocks.
const DefaultWatchTimeout = 20 * time.Minute

func (c *Client) watchTimeout() time.Duration {
	if c.opts.WatchTimeout > 0 {
		return c.opts.WatchTimeout
	}
	return DefaultWatchTimeout
}

// Call names a runtime call and its arguments, as Submit takes them.
type Call struct {
	Pallet, Name string
	Args         []any
}

// SubmitCall is Submit of a Call.
func (c *Client) SubmitCall(ctx context.Context, s Signer, call Call, opts TxOptions) (*Receipt, error) {
	return c.Submit(ctx, s, call.Pallet, call.Name, call.Args, opts)
}

// unsigned stands in for a signer when only the fee is wanted: it has the
// account's public key and signs with zeros, which query_info does not
// check (the fee depends on the call, the length and the weight only).
type unsigned [32]byte

func (u unsigned) PublicKey() [32]byte           { return u }
func (u unsigned) Sign([]byte) ([64]byte, error) { return [64]byte{}, nil }

// EstimateFee returns what pallet.call with args would cost the account
// with public key from (query_info's partial_fee, in rao, tip excluded),
// without any secret: the extrinsic priced carries a zero signature and is
// never submitted.
func (c *Client) EstimateFee(ctx context.Context, from [32]byte, pallet, call string, args []any, opts TxOptions) (*big.Int, error) {
	tx, err := c.BuildTx(ctx, unsigned(from), pallet, call, args, opts)
	if err != nil {
		return nil, err
	}
	fee, _, err := c.QueryFee(ctx, tx)
	if err != nil {
		return nil, fmt.Errorf("tx %s.%s: %w", pallet, call, err)
	}
	return fee, nil
}
