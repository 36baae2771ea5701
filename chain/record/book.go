package record

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"sync"

	"github.com/btscript/btscript/scale"
)

// atParam gives, for the methods that take a block hash, the position of
// that hash in their params. Matching rule 2 ignores it.
var atParam = map[string]int{
	"state_getStorage":        1,
	"state_getStorageHash":    1,
	"state_getStorageSize":    1,
	"state_call":              2,
	"state_getKeysPaged":      3,
	"state_queryStorageAt":    1,
	"state_getRuntimeVersion": 0,
	"state_getMetadata":       0,
	"chain_getHeader":         0,
	"chain_getBlock":          0,
}

// aliases names methods that are the same request under another name.
var aliases = map[string]string{
	"state_getStorageAt": "state_getStorage",
	"chain_getHead":      "chain_getBlockHash",
}

// normalize rewrites params that name the same request in different
// spellings into one: the argument bytes of state_call are hex with or
// without 0x, in either case, and "" is the same as "0x". A signed
// extrinsic — submitted, or priced by TransactionPaymentApi_query_info —
// has its signature blanked: sr25519 signing is randomized, so a run that
// signs again at the same block makes the same extrinsic with another
// signature, and the recording answers it.
func normalize(method string, params json.RawMessage) json.RawMessage {
	at := -1
	switch method {
	case "state_call":
		at = 1
	case "author_submitExtrinsic", "author_submitAndWatchExtrinsic":
		at = 0
	default:
		return params
	}
	var ps []json.RawMessage
	if json.Unmarshal(params, &ps) != nil || len(ps) <= at {
		return params
	}
	var data string
	if json.Unmarshal(ps[at], &data) != nil {
		return params
	}
	data = "0x" + strings.TrimPrefix(strings.ToLower(data), "0x")
	var name string
	if at == 0 || json.Unmarshal(ps[0], &name) == nil && name == "TransactionPaymentApi_query_info" {
		data = blankSignature(data)
	}
	ps[at], _ = json.Marshal(data)
	out, _ := json.Marshal(ps)
	return out
}

// blankSignature returns the hex of a signed extrinsic with its
// signature's bytes as zeros (scale.BlankSignature); any other hex
// unchanged.
func blankSignature(h string) string {
	b, err := hex.DecodeString(h[2:])
	if err != nil {
		return h
	}
	if blank, ok := scale.BlankSignature(b); ok {
		return "0x" + hex.EncodeToString(blank)
	}
	return h
}

func methodName(m string) string {
	if a, ok := aliases[m]; ok {
		return a
	}
	return m
}

// answer is one recorded reply.
type answer struct {
	result        json.RawMessage
	err           *Error
	notifications []json.RawMessage
}

// answers are the replies recorded for one request, given in turn.
type answers struct {
	list []answer
	next int
}

func (a *answers) take() answer {
	an := a.list[a.next]
	if a.next < len(a.list)-1 {
		a.next++
	}
	return an
}

// Book answers requests from recorded exchanges by the matching rules in
// the package documentation. It is safe for concurrent use.
type Book struct {
	mu      sync.Mutex
	exact   map[string]*answers
	anyAt   map[string]*answers // rule 2: key without the block hash; nil list when answers differ
	storage map[string]json.RawMessage
	// listed holds the prefixes whose keys were paged through to the end,
	// and keys every storage key seen, sorted.
	listed    []string
	keys      []string
	oneBlock  bool
	block     json.RawMessage
	exchanges int
}

// NewBook indexes exchanges for answering.
func NewBook(exchanges []Exchange) *Book {
	b := &Book{
		exact:     make(map[string]*answers),
		anyAt:     make(map[string]*answers),
		storage:   make(map[string]json.RawMessage),
		exchanges: len(exchanges),
	}
	blocks := make(map[string]bool)
	keySet := make(map[string]bool)
	type paged struct {
		prefix string
		start  string
		count  int
		n      int
	}
	var pages []paged
	for _, ex := range exchanges {
		m := methodName(ex.Method)
		an := answer{result: ex.Result, err: ex.Error, notifications: ex.Notifications}
		raw := normalize(m, ex.Params)
		var params []json.RawMessage
		_ = json.Unmarshal(raw, &params)
		k := m + " " + canonical(raw)
		if b.exact[k] == nil {
			b.exact[k] = &answers{}
		}
		b.exact[k].list = append(b.exact[k].list, an)

		if pos, ok := atParam[m]; ok {
			ak := m + " " + withoutAt(params, pos)
			prev := b.anyAt[ak]
			switch {
			case prev == nil:
				b.anyAt[ak] = &answers{list: []answer{an}}
			case len(prev.list) == 1 && !sameAnswer(prev.list[0], an):
				prev.list = nil // answers differ by block: rule 2 does not apply
			}
			if isStorageMethod(m) || m == "state_call" {
				if pos < len(params) && string(params[pos]) != "null" {
					blocks[string(params[pos])] = true
				}
			}
		}
		if ex.Error != nil {
			continue
		}
		switch m {
		case "state_getStorage":
			if len(params) > 0 {
				key := hexString(params[0])
				b.storage[key] = ex.Result
				keySet[key] = true
			}
		case "state_queryStorageAt":
			var sets []struct {
				Changes [][2]json.RawMessage `json:"changes"`
			}
			if json.Unmarshal(ex.Result, &sets) == nil {
				at := 0
				for _, s := range sets {
					for _, ch := range s.Changes {
						key := hexString(ch[0])
						b.storage[key], at = within(ex.Result, ch[1], at)
						keySet[key] = true
					}
				}
			}
		case "state_getKeysPaged":
			var got []string
			if json.Unmarshal(ex.Result, &got) == nil && len(params) >= 2 {
				var count int
				_ = json.Unmarshal(params[1], &count)
				p := paged{prefix: hexString(params[0]), count: count, n: len(got)}
				if len(params) > 2 {
					p.start = hexString(params[2])
				}
				pages = append(pages, p)
				for _, k := range got {
					keySet[strings.ToLower(k)] = true
				}
			}
		}
	}
	// A prefix counts as listed when some page of it came back short: the
	// pager reached its end.
	for _, p := range pages {
		if p.n < p.count {
			b.listed = append(b.listed, p.prefix)
		}
	}
	for k := range keySet {
		b.keys = append(b.keys, k)
	}
	sort.Strings(b.keys)
	b.oneBlock = len(blocks) <= 1
	for h := range blocks {
		b.block = json.RawMessage(h)
	}
	return b
}

// Len reports how many exchanges the book holds.
func (b *Book) Len() int { return b.exchanges }

// Answer returns the recorded result for a request, a recorded JSON-RPC
// error as *Error, or an error wrapping ErrNotRecorded.
func (b *Book) Answer(method string, params json.RawMessage) (json.RawMessage, error) {
	an, err := b.find(method, params)
	if err != nil {
		return nil, err
	}
	if an.err != nil {
		return nil, an.err
	}
	return an.result, nil
}

// Notifications returns what a recorded subscription delivered.
func (b *Book) Notifications(method string, params json.RawMessage) ([]json.RawMessage, error) {
	an, err := b.find(method, params)
	if err != nil {
		return nil, err
	}
	return an.notifications, nil
}

func (b *Book) find(method string, params json.RawMessage) (answer, error) {
	m := methodName(method)
	params = normalize(m, params)
	b.mu.Lock()
	defer b.mu.Unlock()
	if a := b.exact[m+" "+canonical(params)]; a != nil {
		return a.take(), nil
	}
	var ps []json.RawMessage
	if len(params) > 0 && string(params) != "null" {
		if err := json.Unmarshal(params, &ps); err != nil {
			return answer{}, fmt.Errorf("replay %s: params are not a JSON array: %w", method, err)
		}
	}
	if pos, ok := atParam[m]; ok {
		if a := b.anyAt[m+" "+withoutAt(ps, pos)]; a != nil && len(a.list) == 1 {
			return a.list[0], nil
		}
	}
	if b.oneBlock && isStorageMethod(m) {
		if an, ok, err := b.fromStorage(m, ps); ok || err != nil {
			return an, err
		}
	}
	return answer{}, fmt.Errorf("replay: %s %s: %w", method, shorten(canonical(params)), ErrNotRecorded)
}

func isStorageMethod(m string) bool {
	return m == "state_getStorage" || m == "state_queryStorageAt" || m == "state_getKeysPaged"
}

// fromStorage answers rule 3 from the storage the recording saw.
func (b *Book) fromStorage(m string, ps []json.RawMessage) (answer, bool, error) {
	switch m {
	case "state_getStorage":
		if len(ps) == 0 {
			return answer{}, false, nil
		}
		v, ok := b.storage[hexString(ps[0])]
		if !ok {
			return answer{}, false, nil
		}
		return answer{result: v}, true, nil
	case "state_queryStorageAt":
		var keys []string
		if len(ps) == 0 || json.Unmarshal(ps[0], &keys) != nil {
			return answer{}, false, nil
		}
		var out bytes.Buffer
		block := json.RawMessage("null")
		if len(ps) > 1 && string(ps[1]) != "null" {
			block = ps[1]
		} else if b.block != nil {
			block = b.block
		}
		out.WriteString(`[{"block":`)
		out.Write(block)
		out.WriteString(`,"changes":[`)
		for i, k := range keys {
			v, ok := b.storage[strings.ToLower(k)]
			if !ok {
				return answer{}, false, fmt.Errorf("replay: state_queryStorageAt: storage key %s: %w", k, ErrNotRecorded)
			}
			if i > 0 {
				out.WriteByte(',')
			}
			kj, _ := json.Marshal(k)
			out.WriteByte('[')
			out.Write(kj)
			out.WriteByte(',')
			out.Write(v)
			out.WriteByte(']')
		}
		out.WriteString("]}]")
		return answer{result: out.Bytes()}, true, nil
	case "state_getKeysPaged":
		if len(ps) < 2 {
			return answer{}, false, nil
		}
		prefix := hexString(ps[0])
		var count int
		if json.Unmarshal(ps[1], &count) != nil || count < 0 {
			return answer{}, false, nil
		}
		complete := false
		for _, l := range b.listed {
			if strings.HasPrefix(prefix, l) {
				complete = true
				break
			}
		}
		if !complete {
			return answer{}, false, nil
		}
		start := ""
		if len(ps) > 2 && string(ps[2]) != "null" {
			start = hexString(ps[2])
		}
		i := sort.SearchStrings(b.keys, prefix)
		got := []string{}
		for ; i < len(b.keys) && len(got) < count && strings.HasPrefix(b.keys[i], prefix); i++ {
			if b.keys[i] > start {
				got = append(got, b.keys[i])
			}
		}
		res, _ := json.Marshal(got)
		return answer{result: res}, true, nil
	}
	return answer{}, false, nil
}

func withoutAt(ps []json.RawMessage, pos int) string {
	rest := make([]json.RawMessage, 0, len(ps))
	for i, p := range ps {
		if i != pos {
			rest = append(rest, p)
		}
	}
	b, _ := json.Marshal(rest)
	return canonical(b)
}

func sameAnswer(a, b answer) bool {
	if (a.err == nil) != (b.err == nil) {
		return false
	}
	if a.err != nil {
		return a.err.Code == b.err.Code && a.err.Message == b.err.Message
	}
	return bytes.Equal(a.result, b.result) || canonical(a.result) == canonical(b.result)
}

// hexString returns a JSON string param in lower case, so 0xAB and 0xab
// name the same key.
func hexString(p json.RawMessage) string {
	var s string
	if json.Unmarshal(p, &s) != nil {
		return string(p)
	}
	return strings.ToLower(s)
}

func shorten(s string) string {
	if len(s) > 200 {
		return s[:200] + "…"
	}
	return s
}

// within returns the bytes of v inside res, searching from at, so that the
// storage index shares the recorded answer's bytes instead of a copy; and
// where the search goes on. v itself when it is not found.
func within(res, v json.RawMessage, at int) (json.RawMessage, int) {
	if i := bytes.Index(res[at:], v); i >= 0 {
		i += at
		return res[i : i+len(v) : i+len(v)], i + len(v)
	}
	return v, at
}
