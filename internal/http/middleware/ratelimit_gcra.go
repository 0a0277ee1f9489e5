package middleware

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Limit is a rate: Rate events per Period, of which at most Burst may arrive
// at once (Burst 0 means Burst = Rate). A key that has been idle admits Burst
// requests at once, then one request every Period/Rate (the emission
// interval). The emission interval is truncated to whole microseconds and must
// be at least 1 µs; Burst x interval must not exceed 100 years.
type Limit struct {
	Rate   int
	Period time.Duration
	Burst  int
}

// Result is the answer of a RateLimitStore for one request.
type Result struct {
	// Allowed reports whether the request is admitted (and was counted).
	Allowed bool
	// Limit is the burst: the most requests a full bucket admits at once.
	Limit int
	// Remaining is how many more requests would be admitted right now.
	Remaining int
	// ResetAfter is how long until the bucket is full again (Remaining =
	// Limit) if no request arrives meanwhile.
	ResetAfter time.Duration
	// RetryAfter is, for a refused request, how long until a request would
	// be admitted; 0 when Allowed.
	RetryAfter time.Duration
}

// RateLimitStore counts requests per key with the GCRA (generic cell rate
// algorithm) semantics of Limit. Allow checks and, when admitted, records one
// request for key atomically. It returns an error for an invalid Limit or when
// the store cannot answer (Redis down, ctx done); the caller then decides the
// failure policy. Implementations must be safe for concurrent use.
type RateLimitStore interface {
	Allow(ctx context.Context, key string, l Limit) (Result, error)
}

// maxWindow bounds Burst x interval so the Redis script's microsecond
// arithmetic (doubles, exact below 2^53) stays exact.
const maxWindow = 100 * 365 * 24 * time.Hour

var errInvalidLimit = errors.New("middleware: invalid rate limit")

// gcra is a Limit resolved to the algorithm's integer parameters.
type gcra struct {
	emission int64 // ns between two admitted requests, a whole number of µs
	burst    int64
	offset   int64 // emission * burst: how far ahead of now the TAT may run
}

func (l Limit) gcra() (gcra, error) {
	if l.Rate <= 0 || l.Period <= 0 || l.Burst < 0 {
		return gcra{}, fmt.Errorf("%w: rate %d per %v, burst %d: rate and period must be positive, burst >= 0",
			errInvalidLimit, l.Rate, l.Period, l.Burst)
	}
	burst := int64(l.Burst)
	if burst == 0 {
		burst = int64(l.Rate)
	}
	emission := (l.Period / time.Duration(l.Rate)).Truncate(time.Microsecond)
	if emission <= 0 {
		return gcra{}, fmt.Errorf("%w: %d per %v is more than one event per microsecond", errInvalidLimit, l.Rate, l.Period)
	}
	if burst > int64(maxWindow/emission) {
		return gcra{}, fmt.Errorf("%w: burst %d x interval %v exceeds %v", errInvalidLimit, burst, emission, maxWindow)
	}
	return gcra{emission: int64(emission), burst: burst, offset: int64(emission) * burst}, nil
}

// step applies one request arriving at now to a bucket whose theoretical
// arrival time is tat (any value <= now for an idle or unknown key). It
// returns the TAT to store and the Result. All times are in one unit (ns).
//
// The bucket is full when tat <= now. A request is admitted when
// tat + emission - offset <= now, i.e. when fewer than burst intervals are
// "owed"; admitting it advances tat by one emission interval.
func (g gcra) step(tat, now int64) (int64, Result) {
	if tat < now {
		tat = now
	}
	next := tat + g.emission
	diff := now - (next - g.offset)
	if diff < 0 {
		return tat, Result{
			Limit:      int(g.burst),
			ResetAfter: time.Duration(tat - now),
			RetryAfter: time.Duration(-diff),
		}
	}
	return next, Result{
		Allowed:    true,
		Limit:      int(g.burst),
		Remaining:  int(diff / g.emission),
		ResetAfter: time.Duration(next - now),
	}
}
