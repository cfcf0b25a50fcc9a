package main

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"time"

	"github.com/felixge/httpsnoop"
	"github.com/go-sql-driver/mysql"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/redis/go-redis/extra/redisotel/v9"
	"github.com/redis/go-redis/v9"
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/extra/bunotel"
	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	otelprometheus "go.opentelemetry.io/otel/exporters/prometheus"
	"go.opentelemetry.io/otel/metric"
	metricnoop "go.opentelemetry.io/otel/metric/noop"
	"go.opentelemetry.io/otel/propagation"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"

	"github.com/impactmuseum/commerce/examples/internal/serve"
	"github.com/impactmuseum/commerce/examples/server/api"
	"github.com/impactmuseum/commerce/examples/storefront"
	"github.com/impactmuseum/commerce/media"
	"github.com/impactmuseum/commerce/storage/bunstore"
)

// serviceName names the server in its traces unless OTEL_SERVICE_NAME
// (or service.name in OTEL_RESOURCE_ATTRIBUTES) says otherwise.
const serviceName = "commerce-server"

// metricsNamespace prefixes the server's own metrics.
const metricsNamespace = "commerce"

// testSpanExporter, when set, turns tracing on with it in place of the
// OTLP exporter, sending each span as it ends. Tests set it, never in
// parallel with other tests.
var testSpanExporter sdktrace.SpanExporter

// observer is the server's telemetry: traces when the OpenTelemetry
// variables name where to send them, metrics when COMMERCE_METRICS_ADDR
// says where to serve them. Each part is nil when off, and then costs
// nothing: no exporter runs, no hook is added, no handler wraps the
// server's.
type observer struct {
	// traces is nil when tracing is off.
	traces *sdktrace.TracerProvider
	// registry holds every metric of /metrics; nil when metrics are off.
	registry *prometheus.Registry
	// meters bridges the services' OpenTelemetry counters to registry.
	meters      *sdkmetric.MeterProvider
	requests    *prometheus.CounterVec
	durations   *prometheus.HistogramVec
	redisErrors *prometheus.CounterVec
}

// newObserver sets up what cfg turns on; getenv reads the OpenTelemetry
// variables.
func newObserver(ctx context.Context, cfg config, getenv func(string) string) (*observer, error) {
	o := &observer{}
	if cfg.tracing || testSpanExporter != nil {
		res, err := resource.New(ctx,
			resource.WithAttributes(attribute.String("service.name", serviceName)),
			resource.WithFromEnv(), resource.WithTelemetrySDK())
		if err != nil {
			return nil, fmt.Errorf("OTEL_RESOURCE_ATTRIBUTES: %w", err)
		}
		var export sdktrace.TracerProviderOption
		if testSpanExporter != nil {
			export = sdktrace.WithSyncer(testSpanExporter)
		} else {
			// The exporter reads the OTEL_EXPORTER_OTLP_ variables, and
			// the provider the OTEL_TRACES_SAMPLER and OTEL_BSP_ ones.
			exp, err := otlptracehttp.New(ctx)
			if err != nil {
				return nil, fmt.Errorf("OTEL_EXPORTER_OTLP_ENDPOINT: %w", err)
			}
			export = sdktrace.WithBatcher(exp)
		}
		opts := []sdktrace.TracerProviderOption{export, sdktrace.WithResource(res)}
		if getenv("OTEL_TRACES_SAMPLER") == "" {
			opts = append(opts, sdktrace.WithSampler(sdktrace.ParentBased(requestsOnly{})))
		}
		o.traces = sdktrace.NewTracerProvider(opts...)
	}
	if cfg.metricsAddr != "" {
		o.registry = prometheus.NewRegistry()
		exp, err := otelprometheus.New(otelprometheus.WithRegisterer(o.registry),
			otelprometheus.WithoutTargetInfo(), otelprometheus.WithoutScopeInfo())
		if err != nil {
			if o.traces != nil {
				o.traces.Shutdown(ctx)
			}
			return nil, fmt.Errorf("%s: %w", cfg.source["metrics-addr"], err)
		}
		o.meters = sdkmetric.NewMeterProvider(sdkmetric.WithReader(exp))
		o.requests = prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: metricsNamespace, Name: "http_requests_total",
			Help: "HTTP requests answered, by route pattern and status code.",
		}, []string{"route", "code"})
		o.durations = prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: metricsNamespace, Name: "http_request_duration_seconds",
			Help:    "Time from a request's arrival to the end of its answer, by route pattern and status code.",
			Buckets: prometheus.DefBuckets,
		}, []string{"route", "code"})
		o.redisErrors = prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: metricsNamespace, Name: "redis_errors_total",
			Help: "Redis commands that failed (a missing key is no failure), by command; \"dial\" counts failed connections.",
		}, []string{"command"})
		o.registry.MustRegister(o.requests, o.durations, o.redisErrors,
			collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	}
	return o, nil
}

// requestsOnly samples the traces that a request starts, and drops the
// queries that start none — the outbox relay's and the webhooks'
// dispatcher's polls, which would otherwise make a trace each every
// second. Under sdktrace.ParentBased, it decides for root spans only.
type requestsOnly struct{}

// ShouldSample samples server spans.
func (requestsOnly) ShouldSample(p sdktrace.SamplingParameters) sdktrace.SamplingResult {
	decision := sdktrace.Drop
	if p.Kind == trace.SpanKindServer {
		decision = sdktrace.RecordAndSample
	}
	return sdktrace.SamplingResult{Decision: decision, Tracestate: trace.SpanContextFromContext(p.ParentContext).TraceState()}
}

// Description names the sampler.
func (requestsOnly) Description() string { return "RequestsOnly" }

// meterProvider is where the services record their counters: nil when
// metrics are off, which leaves them on otel's global provider, a no-op.
func (o *observer) meterProvider() metric.MeterProvider {
	if o.meters == nil {
		return nil
	}
	return o.meters
}

// shutdown sends the spans still buffered and stops the providers.
func (o *observer) shutdown(log *slog.Logger) {
	ctx, cancel := context.WithTimeout(context.Background(), serve.ShutdownTimeout)
	defer cancel()
	if o.traces != nil {
		if err := o.traces.Shutdown(ctx); err != nil {
			log.Warn("sending the last traces", "err", err)
		}
	}
	if o.meters != nil {
		if err := o.meters.Shutdown(ctx); err != nil {
			log.Warn("stopping the metrics", "err", err)
		}
	}
}

// instrumentDB traces db's queries and reports its pool's statistics,
// labelled db_name="commerce" for the primary ("primary") and
// "commerce_replica1"… for the read replicas ("replica1"…). It returns
// the DB to use: bun adds a query hook to a copy, so the store must be
// made on what this returns.
//
// The spans carry each statement as bun would send it with "?" in place
// of every value: the values — e-mail addresses, password hashes, postal
// addresses — never leave the server.
func (o *observer) instrumentDB(db *bun.DB, name string) *bun.DB {
	if o.registry != nil {
		label := metricsNamespace
		if name != "primary" {
			label += "_" + name
		}
		o.registry.MustRegister(collectors.NewDBStatsCollector(db.DB, label))
	}
	if o.traces == nil {
		return db
	}
	return db.WithQueryHook(withheldErrors{bunotel.NewQueryHook(
		bunotel.WithTracerProvider(o.traces),
		// The hook's own query timings would go to otel's global
		// provider; the spans tell the same.
		bunotel.WithMeterProvider(metricnoop.NewMeterProvider()),
		bunotel.WithFormattedQueries(false),
	)})
}

// withheldErrors hands the query hook it wraps a failed query's error
// without its message: the server's messages repeat values ("Duplicate
// entry 'minjun@example.com' for key 'users_email'"), which a span would
// carry out of the server. MySQL's errors keep their number and state;
// a context's end and a broken connection, whose messages are fixed, stay
// as they are; any other error keeps only its type.
type withheldErrors struct {
	bun.QueryHook
}

// AfterQuery lets the wrapped hook see the withheld error, then puts the
// query's own back for any hook after it.
func (h withheldErrors) AfterQuery(ctx context.Context, event *bun.QueryEvent) {
	err := event.Err
	if err != nil {
		event.Err = withhold(err)
		defer func() { event.Err = err }()
	}
	h.QueryHook.AfterQuery(ctx, event)
}

func withhold(err error) error {
	var my *mysql.MySQLError
	switch {
	case errors.As(err, &my):
		return &mysql.MySQLError{Number: my.Number, SQLState: my.SQLState, Message: "(message withheld)"}
	case errors.Is(err, sql.ErrNoRows), errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded),
		errors.Is(err, driver.ErrBadConn), errors.Is(err, mysql.ErrInvalidConn):
		return err
	default:
		return fmt.Errorf("%T (message withheld)", err)
	}
}

// watchReplicas reports the read replicas of s on /metrics: whether each
// takes reads, its lag, the reads it answered and those that failed on
// it, and the reads that went to the primary for want of a healthy one.
func (o *observer) watchReplicas(s *bunstore.Store) {
	if o.registry != nil {
		o.registry.MustRegister(replicaCollector{s})
	}
}

// replicaCollector reads Store.ReplicaStats at each scrape.
type replicaCollector struct{ s *bunstore.Store }

var (
	replicaHealthy = prometheus.NewDesc(metricsNamespace+"_db_replica_healthy",
		"Whether the read replica takes reads now (1) or not (0).", []string{"replica"}, nil)
	replicaLag = prometheus.NewDesc(metricsNamespace+"_db_replica_lag_seconds",
		"The read replica's replication lag as last checked; -1 when it could not be read.", []string{"replica"}, nil)
	replicaReads = prometheus.NewDesc(metricsNamespace+"_db_replica_reads_total",
		"Reads the read replica answered.", []string{"replica"}, nil)
	replicaFailures = prometheus.NewDesc(metricsNamespace+"_db_replica_failures_total",
		"Reads that failed on the read replica and ran again on the primary.", []string{"replica"}, nil)
	replicaNone = prometheus.NewDesc(metricsNamespace+"_db_replica_unavailable_total",
		"Reads that could have gone to a read replica but went to the primary, as none was healthy.", nil, nil)
)

func (replicaCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{replicaHealthy, replicaLag, replicaReads, replicaFailures, replicaNone} {
		ch <- d
	}
}

func (c replicaCollector) Collect(ch chan<- prometheus.Metric) {
	stats := c.s.ReplicaStats()
	for i, r := range stats.Replicas {
		name := "replica" + strconv.Itoa(i+1)
		healthy := 0.0
		if r.Healthy {
			healthy = 1
		}
		lag := r.Lag.Seconds()
		if r.Lag < 0 {
			lag = -1
		}
		ch <- prometheus.MustNewConstMetric(replicaHealthy, prometheus.GaugeValue, healthy, name)
		ch <- prometheus.MustNewConstMetric(replicaLag, prometheus.GaugeValue, lag, name)
		ch <- prometheus.MustNewConstMetric(replicaReads, prometheus.CounterValue, float64(r.Reads), name)
		ch <- prometheus.MustNewConstMetric(replicaFailures, prometheus.CounterValue, float64(r.Failures), name)
	}
	ch <- prometheus.MustNewConstMetric(replicaNone, prometheus.CounterValue, float64(stats.NoReplica))
}

// instrumentRedis traces rdb's commands, without their arguments (keys
// and values), and counts its errors.
func (o *observer) instrumentRedis(rdb redis.UniversalClient) error {
	if o.redisErrors != nil {
		rdb.AddHook(redisErrorHook{o.redisErrors})
		if cluster, ok := rdb.(*redis.ClusterClient); ok {
			cluster.OnNewNode(func(node *redis.Client) { node.AddHook(redisDialErrors{o.redisErrors}) })
		}
	}
	if o.traces == nil {
		return nil
	}
	return redisotel.InstrumentTracing(rdb, redisotel.WithTracerProvider(o.traces), redisotel.WithDBStatement(false))
}

// redisErrorHook counts the commands of a Redis client that fail, by
// command name: a bounded set, the commands the stores send.
type redisErrorHook struct {
	errors *prometheus.CounterVec
}

// failed reports whether err is a failure: redis.Nil (no such key) is an
// answer, and NOSCRIPT is how a script's first run by hash learns to send
// the script itself.
// A command whose request ended first (the client went away, the
// request's deadline passed) is no failure of Redis either.
func failed(ctx context.Context, err error) bool {
	return err != nil && ctx.Err() == nil && !errors.Is(err, redis.Nil) && !redis.HasErrorPrefix(err, "NOSCRIPT")
}

// DialHook counts connections that fail as "dial".
func (h redisErrorHook) DialHook(next redis.DialHook) redis.DialHook {
	return redisDialErrors(h).DialHook(next)
}

// redisDialErrors counts the failed connections of a Redis Cluster's
// nodes: the cluster client dials through a client per node, whose hooks
// alone see the dials. Their commands are the cluster client's, counted
// there.
type redisDialErrors struct {
	errors *prometheus.CounterVec
}

// DialHook counts connections that fail as "dial".
func (h redisDialErrors) DialHook(next redis.DialHook) redis.DialHook {
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		conn, err := next(ctx, network, addr)
		if err != nil && ctx.Err() == nil {
			h.errors.WithLabelValues("dial").Inc()
		}
		return conn, err
	}
}

// ProcessHook counts nothing: the cluster client counts its commands.
func (redisDialErrors) ProcessHook(next redis.ProcessHook) redis.ProcessHook { return next }

// ProcessPipelineHook counts nothing: the cluster client counts its
// commands.
func (redisDialErrors) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return next
}

// ProcessHook counts a failed command.
func (h redisErrorHook) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		err := next(ctx, cmd)
		if failed(ctx, err) {
			h.errors.WithLabelValues(cmd.Name()).Inc()
		}
		return err
	}
}

// ProcessPipelineHook counts each failed command of a pipeline or a
// transaction.
func (h redisErrorHook) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		err := next(ctx, cmds)
		for _, cmd := range cmds {
			if failed(ctx, cmd.Err()) {
				h.errors.WithLabelValues(cmd.Name()).Inc()
			}
		}
		return err
	}
}

// routes finds the route pattern of a request, the label of its metrics
// and the name of its span: the ServeMux pattern of the API's route or
// the storefront's page that serves it ("GET /api/products/{id}"), the
// prefix of the uploaded images, or unmatchedRoute — never the path
// itself, whose ids would make a series per product, nor the query, which
// may hold what a customer searched for.
type routes struct {
	mux      *http.ServeMux
	patterns map[string]bool
}

// unmatchedRoute labels the requests that no route serves: 404s, 405s and
// the redirects of the mux.
const unmatchedRoute = "unmatched"

// newRoutes returns the routes of the handler that newHandler builds from
// the same parts.
func newRoutes(a *api.API, shop *storefront.Storefront, images *media.Store) *routes {
	rt := &routes{mux: http.NewServeMux(), patterns: make(map[string]bool)}
	nothing := http.HandlerFunc(func(http.ResponseWriter, *http.Request) {})
	add := func(pattern string) {
		rt.mux.Handle(pattern, nothing)
		rt.patterns[pattern] = true
	}
	for pattern := range a.Routes() {
		add(pattern)
	}
	for pattern := range shop.Routes() {
		add(pattern)
	}
	add(images.Prefix())
	return rt
}

// of returns the route pattern of r, or unmatchedRoute.
func (rt *routes) of(r *http.Request) string {
	// A redirect's "pattern" is the path it redirects to: only the
	// patterns registered count.
	if _, pattern := rt.mux.Handler(r); rt.patterns[pattern] {
		return pattern
	}
	return unmatchedRoute
}

// routeKey is the context key of a request's route pattern.
type routeKey struct{}

// wrap returns h measured and traced as the observer is set up: h itself
// when both are off.
func (o *observer) wrap(h http.Handler, rt *routes) http.Handler {
	if o.traces != nil {
		h = otelhttp.NewHandler(h, "",
			otelhttp.WithTracerProvider(o.traces),
			// otelhttp's own metrics would go to otel's global provider;
			// the server's are below.
			otelhttp.WithMeterProvider(metricnoop.NewMeterProvider()),
			otelhttp.WithPropagators(propagation.TraceContext{}),
			// The shop faces the internet: a request's span starts a trace
			// of its own, linked to the caller's when it names one, so
			// that no client decides what is sampled or joins traces.
			otelhttp.WithPublicEndpointFn(func(*http.Request) bool { return true }),
			otelhttp.WithSpanNameFormatter(spanName),
		)
	}
	if o.registry != nil {
		h = o.measure(h)
	}
	if o.traces == nil && o.registry == nil {
		return h
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		route := rt.of(r)
		r = r.WithContext(context.WithValue(r.Context(), routeKey{}, route))
		if route != unmatchedRoute {
			// otelhttp takes http.route from it.
			r.Pattern = route
		}
		h.ServeHTTP(w, r)
	})
}

// spanName names a request's span by its route pattern, or by its method
// alone when no route serves it.
func spanName(_ string, r *http.Request) string {
	if route, _ := r.Context().Value(routeKey{}).(string); route != "" && route != unmatchedRoute {
		return route
	}
	return r.Method
}

// measure counts h's requests and times them, by route and status code.
func (o *observer) measure(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		code := 0
		w = httpsnoop.Wrap(w, httpsnoop.Hooks{
			WriteHeader: func(next httpsnoop.WriteHeaderFunc) httpsnoop.WriteHeaderFunc {
				return func(c int) {
					// Informational answers (103) precede the real one.
					if code == 0 && c >= 200 {
						code = c
					}
					next(c)
				}
			},
			Write: func(next httpsnoop.WriteFunc) httpsnoop.WriteFunc {
				return func(b []byte) (int, error) {
					if code == 0 {
						code = http.StatusOK
					}
					return next(b)
				}
			},
			ReadFrom: func(next httpsnoop.ReadFromFunc) httpsnoop.ReadFromFunc {
				return func(src io.Reader) (int64, error) {
					if code == 0 {
						code = http.StatusOK
					}
					return next(src)
				}
			},
		})
		defer func() {
			// A panic that no handler recovered (http.ErrAbortHandler,
			// say) ends the connection with no answer: it counts as a
			// 500, and goes on to the server.
			p := recover()
			switch {
			case code != 0:
			case p != nil:
				code = http.StatusInternalServerError
			default:
				code = http.StatusOK
			}
			route, _ := r.Context().Value(routeKey{}).(string)
			status := strconv.Itoa(code)
			o.requests.WithLabelValues(route, status).Inc()
			o.durations.WithLabelValues(route, status).Observe(time.Since(start).Seconds())
			if p != nil {
				panic(p)
			}
		}()
		h.ServeHTTP(w, r)
	})
}

// serveMetrics serves /metrics on ln until shutdown is called.
func (o *observer) serveMetrics(ln net.Listener, log *slog.Logger) (shutdown func()) {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", promhttp.HandlerFor(o.registry, promhttp.HandlerOpts{
		ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn),
		Registry: o.registry,
	}))
	srv := serve.NewServer(mux, log)
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	return func() {
		ctx, cancel := context.WithTimeout(context.Background(), serve.ShutdownTimeout)
		defer cancel()
		if err := srv.Shutdown(ctx); err != nil {
			log.Warn("shutting down the metrics listener", "err", err)
		}
		if err := <-served; !errors.Is(err, http.ErrServerClosed) {
			log.Warn("serving metrics", "err", err)
		}
	}
}
