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

func (s *Server) metricsHandler(reg *prometheus.Registry) gin.HandlerFunc {
	h := promhttp.HandlerFor(reg, promhttp.HandlerOpts{})
	return func(c *gin.Context) { h.ServeHTTP(c.Writer, c.Request) }
}
