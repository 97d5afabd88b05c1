package api

import (
	"context"
	"time"

	"decisionflow/workflow"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

type metrics struct {
	requests     *prometheus.CounterVec
	latency      *prometheus.HistogramVec
	transitions  *prometheus.CounterVec
	ruleRefusals *prometheus.CounterVec
}

func newMetrics(reg prometheus.Registerer, engine *workflow.Engine) *metrics {
	m := &metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "decisionflow_http_requests_total", Help: "HTTP requests by method, route and status.",
		}, []string{"method", "route", "status"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "decisionflow_http_request_duration_seconds", Help: "HTTP request latency by method and route.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}, []string{"method", "route"}),
		transitions: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "decisionflow_transitions_total", Help: "State transitions by event.",
		}, []string{"event"}),
		ruleRefusals: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "decisionflow_rule_refusals_total", Help: "Requests refused by a legal rule, by rule id.",
		}, []string{"rule"}),
	}
	reg.MustRegister(m.requests, m.latency, m.transitions, m.ruleRefusals)
	if engine != nil {
		reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "decisionflow_overdue_decisions",
			Help: "Decisions past a deadline today (the legality review's 7 working days, Art 26); -1 when the database cannot be read.",
		}, func() float64 {
			ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
			defer cancel()
			n, err := engine.OverdueCount(ctx)
			if err != nil {
				return -1
			}
			return float64(n)
		}))
	}
	return m
}

// Refused counts a refusal by a legal rule, whether the API answered it
// with a problem or a page showed it on its form: the one place rule
// refusals are counted.
func (s *Server) Refused(err error) {
	if workflow.ErrorCode(err) == workflow.ERULE {
		s.metrics.ruleRefusals.WithLabelValues(workflow.ErrorRule(err)).Inc()
	}
}

// Create starts a decision (engine.Create) and counts it as the transition
// "create". The API and the pages both create and fire through here: the
// one place transitions are counted.
func (s *Server) Create(ctx context.Context, actor *workflow.User, in workflow.NewDecision) (*workflow.Decision, error) {
	d, err := s.engine.Create(ctx, actor, in)
	if err == nil {
		s.metrics.transitions.WithLabelValues(workflow.RecordCreate).Inc()
	}
	return d, err
}

// Fire fires an event (engine.Fire) and counts the transition.
func (s *Server) Fire(ctx context.Context, actor *workflow.User, id int64, event string, data []byte, ifVersion int64) (*workflow.Decision, error) {
	d, err := s.engine.Fire(ctx, actor, id, event, data, ifVersion)
	if err == nil {
		s.metrics.transitions.WithLabelValues(event).Inc()
	}
	return d, err
}

func (s *Server) metricsHandler(reg *prometheus.Registry) gin.HandlerFunc {
	h := promhttp.HandlerFor(reg, promhttp.HandlerOpts{})
	return func(c *gin.Context) { h.ServeHTTP(c.Writer, c.Request) }
}
