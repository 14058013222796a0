// A minimal lpe client: submit one estimation job, stream its progress to stderr, print the result as one JSON line.
//
// Usage: lpe-example HOST:PORT MODEL SPEC TARGET [METHOD [BUDGET [SEED]]]
//
//	SPEC   a preset name (hex, camel, ...) or the path of a JSON spec file (sent inline)
//	TARGET a vocabulary string (e.g. "▁cat") or id:N
//
// The JSON line has the fields of `lpe estimate --json`.
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	lpev1 "lpe/v1"
)

var presets = map[string]bool{"hex": true, "camel": true, "colon": true, "if": true, "caps": true,
	"english": true, "spanish": true, "icl": true}

type target struct {
	ID    int32  `json:"id"`
	Token string `json:"token"`
}

// result has the fields of `lpe estimate --json`, in its order.
type result struct {
	Method         string     `json:"method"`
	Target         target     `json:"target"`
	Estimate       float64    `json:"estimate"`
	StdError       float64    `json:"std_error"`
	CI95           [2]float64 `json:"ci95"`
	IntervalKind   string     `json:"interval_kind"`
	UpperBoundOnly bool       `json:"upper_bound_only"`
	ESS            float64    `json:"ess"`
	ForwardPasses  int64      `json:"forward_passes"`
	BackwardPasses int64      `json:"backward_passes"`
	Seconds        float64    `json:"seconds"`
	Seed           int64      `json:"seed"`
}

func fail(format string, args ...interface{}) {
	fmt.Fprintf(os.Stderr, "lpe example: "+format+"\n", args...)
	os.Exit(1)
}

func jobSpec(model, spec, tgt, method string, budget, seed int64) *lpev1.JobSpec {
	js := &lpev1.JobSpec{Model: model, Method: method, Budget: budget, Seed: &seed}
	if presets[spec] {
		js.Distribution = &lpev1.JobSpec_Preset{Preset: spec}
	} else {
		text, err := os.ReadFile(spec)
		if err != nil {
			fail("SPEC: %v", err)
		}
		js.Distribution = &lpev1.JobSpec_SpecJson{SpecJson: string(text)}
	}
	if strings.HasPrefix(tgt, "id:") {
		id, err := strconv.Atoi(tgt[3:])
		if err != nil {
			fail("TARGET: expected id:N, got %q", tgt)
		}
		js.Targets = []*lpev1.TargetRef{{Ref: &lpev1.TargetRef_Id{Id: int32(id)}}}
	} else {
		js.Targets = []*lpev1.TargetRef{{Ref: &lpev1.TargetRef_Token{Token: tgt}}}
	}
	return js
}

func argOr(i int, def string) string {
	if len(os.Args) > i {
		return os.Args[i]
	}
	return def
}

func main() {
	if len(os.Args) < 5 {
		fmt.Fprintln(os.Stderr, "usage: lpe-example HOST:PORT MODEL SPEC TARGET [METHOD [BUDGET [SEED]]]")
		os.Exit(2)
	}
	method := argOr(5, "itgis")
	budget, err1 := strconv.ParseInt(argOr(6, "4096"), 10, 64)
	seed, err2 := strconv.ParseInt(argOr(7, "1"), 10, 64)
	if err1 != nil || err2 != nil {
		fail("BUDGET and SEED must be whole numbers")
	}
	spec := jobSpec(os.Args[2], os.Args[3], os.Args[4], method, budget, seed)

	dialCtx, cancelDial := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancelDial()
	conn, err := grpc.DialContext(dialCtx, os.Args[1], grpc.WithInsecure(), grpc.WithBlock())
	if err != nil {
		fail("cannot reach %s: %v", os.Args[1], err)
	}
	defer conn.Close()
	client := lpev1.NewEstimationServiceClient(conn)

	ctx := context.Background()
	if token := os.Getenv("LPE_TOKEN"); token != "" {
		ctx = metadata.AppendToOutgoingContext(ctx, "authorization", "Bearer "+token)
	}
	submitCtx, cancelSubmit := context.WithTimeout(ctx, 30*time.Second)
	defer cancelSubmit()
	job, err := client.SubmitJob(submitCtx, &lpev1.SubmitJobRequest{Spec: spec, RequestId: fmt.Sprintf("go-%d", time.Now().UnixNano())})
	if err != nil {
		fail("%s", status.Convert(err).Message())
	}
	fmt.Fprintf(os.Stderr, "submitted job %s\n", job.Id)

	watchCtx, cancelWatch := context.WithTimeout(ctx, time.Hour)
	defer cancelWatch()
	stream, err := client.WatchJob(watchCtx, &lpev1.WatchJobRequest{Name: job.Id})
	if err != nil {
		fail("%s", status.Convert(err).Message())
	}
	for {
		update, err := stream.Recv()
		if err == io.EOF {
			break
		}
		if err != nil {
			fail("watching job %s: %s", job.Id, status.Convert(err).Message())
		}
		job = update
		if p := job.Progress; p != nil && len(p.Current) > 0 {
			c := p.Current[0]
			fmt.Fprintf(os.Stderr, "%d/%d samples, p=%.3e [%.3e, %.3e], %.0f/s\n",
				p.SamplesDone, p.Budget, c.Estimate, c.Ci95Low, c.Ci95High, p.Rate)
		}
	}
	if job.State != lpev1.Job_SUCCEEDED {
		fail("job %s ended %s: %s", job.Id, strings.ToLower(job.State.String()), job.Reason)
	}
	e := job.GetResult().Estimates[0]
	out, _ := json.Marshal(result{e.Method, target{e.Target.GetId(), e.Target.GetToken()}, e.Estimate, e.StdError,
		[2]float64{e.Ci95Low, e.Ci95High},
		strings.ToLower(strings.TrimPrefix(e.IntervalKind.String(), "INTERVAL_KIND_")), e.UpperBoundOnly, e.Ess, e.ForwardPasses, e.BackwardPasses, e.Seconds, e.Seed})
	fmt.Println(string(out))
}
