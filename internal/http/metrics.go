package http

import (
	"strconv"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// metrics holds the HTTP and pool metrics, registered on the application's
// own registry (never the global one).
type metrics struct {
	registry      *prometheus.Registry
	requests      *prometheus.CounterVec
	duration      *prometheus.HistogramVec
	cspReports    *prometheus.CounterVec
	limiterErrors *prometheus.CounterVec
}

func newMetrics(reg *prometheus.Registry, pool *pgxpool.Pool) (*metrics, error) {
	m := &metrics{
		registry: reg,
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "rampart_http_requests_total",
			Help: "HTTP requests by method, route pattern and status code.",
		}, []string{"method", "route", "status"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "rampart_http_request_duration_seconds",
			Help:    "HTTP request latency by method and route pattern.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}, []string{"method", "route"}),
		cspReports: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "rampart_csp_reports_total",
			Help: "Content-Security-Policy violation reports received, by directive.",
		}, []string{"directive"}),
		limiterErrors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "rampart_ratelimit_store_errors_total",
			Help: "Rate-limit store failures (e.g. Redis down), by tier; the tier's failure policy applied.",
		}, []string{"tier"}),
	}
	for _, c := range []prometheus.Collector{m.requests, m.duration, m.cspReports, m.limiterErrors, newPoolCollector(pool)} {
		if err := reg.Register(c); err != nil {
			return nil, err
		}
	}
	return m, nil
}

// middleware records every request under its route pattern; unmatched paths
// share one label so scanners cannot blow up the series count.
func (m *metrics) middleware() echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			start := time.Now()
			err := next(c)
			if err != nil {
				c.Error(err)
			}
			route := c.Path()
			if route == "" || routeMissing(c) {
				route = "unmatched" // no handler: one label for every scanned path
			}
			method := c.Request().Method
			m.requests.WithLabelValues(method, route, strconv.Itoa(c.Response().Status)).Inc()
			m.duration.WithLabelValues(method, route).Observe(time.Since(start).Seconds())
			return nil
		}
	}
}

func (m *metrics) handler() echo.HandlerFunc {
	return echo.WrapHandler(promhttp.HandlerFor(m.registry, promhttp.HandlerOpts{}))
}

// NewRegistry returns a registry with the Go runtime and process collectors.
func NewRegistry() *prometheus.Registry {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return reg
}

// poolCollector exports pgxpool statistics at scrape time.
type poolCollector struct {
	pool                                        *pgxpool.Pool
	acquired, idle, total, max                  *prometheus.Desc
	acquireCount, acquireWait, emptyAcquire, ce *prometheus.Desc
}

func newPoolCollector(pool *pgxpool.Pool) *poolCollector {
	d := func(name, help string) *prometheus.Desc {
		return prometheus.NewDesc("rampart_db_pool_"+name, help, nil, nil)
	}
	return &poolCollector{
		pool:         pool,
		acquired:     d("acquired_conns", "Connections currently in use."),
		idle:         d("idle_conns", "Idle connections."),
		total:        d("total_conns", "Open connections."),
		max:          d("max_conns", "Maximum pool size."),
		acquireCount: d("acquires_total", "Successful connection acquisitions."),
		acquireWait:  d("acquire_wait_seconds_total", "Time spent waiting for a connection."),
		emptyAcquire: d("empty_acquires_total", "Acquisitions that had to wait for a connection."),
		ce:           d("canceled_acquires_total", "Acquisitions canceled by their context."),
	}
}

func (p *poolCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{p.acquired, p.idle, p.total, p.max, p.acquireCount, p.acquireWait, p.emptyAcquire, p.ce} {
		ch <- d
	}
}

func (p *poolCollector) Collect(ch chan<- prometheus.Metric) {
	s := p.pool.Stat()
	g, c := prometheus.GaugeValue, prometheus.CounterValue
	ch <- prometheus.MustNewConstMetric(p.acquired, g, float64(s.AcquiredConns()))
	ch <- prometheus.MustNewConstMetric(p.idle, g, float64(s.IdleConns()))
	ch <- prometheus.MustNewConstMetric(p.total, g, float64(s.TotalConns()))
	ch <- prometheus.MustNewConstMetric(p.max, g, float64(s.MaxConns()))
	ch <- prometheus.MustNewConstMetric(p.acquireCount, c, float64(s.AcquireCount()))
	ch <- prometheus.MustNewConstMetric(p.acquireWait, c, s.AcquireDuration().Seconds())
	ch <- prometheus.MustNewConstMetric(p.emptyAcquire, c, float64(s.EmptyAcquireCount()))
	ch <- prometheus.MustNewConstMetric(p.ce, c, float64(s.CanceledAcquireCount()))
}
