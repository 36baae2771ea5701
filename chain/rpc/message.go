package rpc

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
)

// message is any incoming JSON-RPC object: a response (ID set) or a
// subscription notification (Method set, no ID).
type message struct {
	ID     json.RawMessage `json:"id"`
	Method string          `json:"method"`
	Params json.RawMessage `json:"params"`
	Result json.RawMessage `json:"result"`
	Error  *Error          `json:"error"`
}

// notificationParams is the params object of a subscription notification.
type notificationParams struct {
	Subscription json.RawMessage `json:"subscription"`
	Result       json.RawMessage `json:"result"`
}

var emptyParams = json.RawMessage("[]")

// encodeParams encodes positional params as a JSON array ("[]" for none,
// which Substrate nodes require rather than an absent field).
func encodeParams(params []any) (json.RawMessage, error) {
	if len(params) == 0 {
		return emptyParams, nil
	}
	if raw, ok := plainParams(params); ok {
		return raw, nil
	}
	return json.Marshal(params)
}

// plainParams encodes params made of strings and lists of strings that
// need no escaping — storage keys and block hashes, the params of nearly
// every request — as json.Marshal does, without reflection or a check of
// each byte for escaping as it is written. ok is false for any other
// params.
func plainParams(params []any) (raw json.RawMessage, ok bool) {
	n := 1
	for _, p := range params {
		switch x := p.(type) {
		case string:
			if !plainString(x) {
				return nil, false
			}
			n += len(x) + 3
		case []string:
			if x == nil {
				return nil, false
			}
			n += 2
			for _, s := range x {
				if !plainString(s) {
					return nil, false
				}
				n += len(s) + 3
			}
		default:
			return nil, false
		}
	}
	b := make([]byte, 0, n)
	b = append(b, '[')
	for i, p := range params {
		if i > 0 {
			b = append(b, ',')
		}
		switch x := p.(type) {
		case string:
			b = append(append(append(b, '"'), x...), '"')
		case []string:
			b = append(b, '[')
			for j, s := range x {
				if j > 0 {
					b = append(b, ',')
				}
				b = append(append(append(b, '"'), s...), '"')
			}
			b = append(b, ']')
		}
	}
	return append(b, ']'), true
}

// plainString reports whether json.Marshal writes s as is between quotes:
// printable ASCII without a quote, a backslash or the characters it
// escapes for HTML.
func plainString(s string) bool {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c < 0x20 || c >= 0x7f, c == '"', c == '\\', c == '<', c == '>', c == '&':
			return false
		}
	}
	return true
}

// parseFrame decodes one incoming frame: a single object or a batch array.
// The frames nodes send are scanned in one pass (see scanMessage); any
// other goes to decodeFrame.
func parseFrame(data []byte) ([]*message, error) {
	data = bytes.TrimSpace(data)
	if len(data) > 0 {
		switch data[0] {
		case '{':
			if m, ok := scanMessage(data); ok {
				return []*message{m}, nil
			}
		case '[':
			if ms, ok := scanBatch(data); ok {
				return ms, nil
			}
		}
	}
	return decodeFrame(data)
}

// decodeFrame decodes a trimmed frame with encoding/json alone.
func decodeFrame(data []byte) ([]*message, error) {
	if len(data) == 0 {
		return nil, errors.New("empty frame")
	}
	switch data[0] {
	case '{':
		m := new(message)
		if err := json.Unmarshal(data, m); err != nil {
			return nil, err
		}
		return []*message{m}, nil
	case '[':
		var ms []*message
		if err := json.Unmarshal(data, &ms); err != nil {
			return nil, err
		}
		for _, m := range ms {
			if m == nil {
				return nil, errors.New("null element in batch response")
			}
		}
		return ms, nil
	default:
		return nil, fmt.Errorf("frame starts with %q, not a JSON object or array", excerpt(data))
	}
}

// isNotification reports whether m is a server-initiated notification.
func (m *message) isNotification() bool {
	return m.Method != "" && isNullID(m.ID)
}

func isNullID(id json.RawMessage) bool {
	id = bytes.TrimSpace(id)
	return len(id) == 0 || string(id) == "null"
}

// parseID returns the numeric id the client assigned, accepting it bare or
// quoted (some proxies stringify ids).
func parseID(id json.RawMessage) (uint64, bool) {
	s := string(bytes.TrimSpace(id))
	if uq, err := strconv.Unquote(s); err == nil {
		s = uq
	}
	n, err := strconv.ParseUint(s, 10, 64)
	return n, err == nil
}

// subscriptionKey normalizes a subscription id (a JSON string or number)
// into a map key.
func subscriptionKey(id json.RawMessage) string {
	s := string(bytes.TrimSpace(id))
	if uq, err := strconv.Unquote(s); err == nil {
		return uq
	}
	return s
}

// excerpt returns a short printable prefix of data for error messages.
func excerpt(data []byte) string {
	const n = 32 // enough to recognize an HTML page or a stray token
	if len(data) > n {
		return string(data[:n]) + "..."
	}
	return string(data)
}
