package web

import (
	"context"
	"strings"

	"decisionflow/workflow"
)

// The engine fires every event through one method, Fire, with the event's
// JSON data; each record action has a method of its own, with its own input
// type. recorders is the one place the pages name those methods. Whether
// the user may take the action now is the engine's to say: the page shows
// the forms of engine.Capabilities, and the engine refuses the rest.

// recordCall is one record action taken on a decision.
type recordCall struct {
	ctx    context.Context
	engine *workflow.Engine
	user   *workflow.User
	id     int64 // the decision
	target int64 // the comment or public opinion, for an action taken on one
}

// recorder takes one record action.
type recorder struct {
	// call takes the action with the data decoded from its form.
	call func(r recordCall, raw []byte) error
	// perComment marks an action taken on one comment: its form is shown on
	// each comment, and posts to that comment's route.
	perComment bool
	// perOpinion marks an action taken on one public opinion on the
	// decision in force: its form is shown on each opinion.
	perOpinion bool
	// prefill gives the values its form starts from: the text being revised,
	// the disposition being changed.
	prefill func(x *workflow.Dossier, c *workflow.Comment) map[string]string
}

var recorders = map[string]recorder{
	// A file comes through its own multipart route (web/attachments.go),
	// never through the generic form.
	workflow.RecordAddAttachment: {call: func(recordCall, []byte) error {
		return workflow.Invalid(workflow.FieldError{Field: "file", Message: "send the file with the upload form"})
	}},
	workflow.RecordSaveDraft: {call: record(func(r recordCall, in workflow.DraftInput) error {
		_, err := r.engine.SaveDraft(r.ctx, r.user, r.id, in, 0)
		return err
	}), prefill: currentDraft},
	workflow.RecordSetCommentPeriod: {call: record(func(r recordCall, in workflow.CommentPeriodInput) error {
		_, err := r.engine.SetCommentPeriod(r.ctx, r.user, r.id, in, 0)
		return err
	})},
	workflow.RecordAddComment: {call: record(func(r recordCall, in workflow.CommentInput) error {
		_, err := r.engine.AddComment(r.ctx, r.user, r.id, in)
		return err
	})},
	workflow.RecordDisposeComment: {call: record(func(r recordCall, in workflow.DispositionInput) error {
		_, err := r.engine.DisposeComment(r.ctx, r.user, r.id, r.target, in)
		return err
	}), perComment: true, prefill: currentDisposition},
	workflow.RecordAddExpertOpinion: {call: record(func(r recordCall, in workflow.ExpertOpinionInput) error {
		_, err := r.engine.AddExpertOpinion(r.ctx, r.user, r.id, in)
		return err
	})},
	workflow.RecordAddExecutionReport: {call: record(func(r recordCall, in workflow.ExecutionReportInput) error {
		_, err := r.engine.AddExecutionReport(r.ctx, r.user, r.id, in)
		return err
	})},
	workflow.RecordDisposePublicOpinion: {call: record(func(r recordCall, in workflow.DispositionInput) error {
		_, err := r.engine.DisposePublicOpinion(r.ctx, r.user, r.id, r.target, in)
		return err
	}), perOpinion: true},
}

// record decodes the form's data into the action's input type, as the API
// does its body, and takes the action.
func record[T any](take func(r recordCall, in T) error) func(r recordCall, raw []byte) error {
	return func(r recordCall, raw []byte) error {
		var in T
		if err := workflow.DecodeStrict(raw, &in); err != nil {
			return err
		}
		return take(r, in)
	}
}

// defaults are the values the recorder's form starts from.
func (rec recorder) defaults(x *workflow.Dossier, c *workflow.Comment) map[string]string {
	if rec.prefill == nil {
		return nil
	}
	return rec.prefill(x, c)
}

func currentDraft(x *workflow.Dossier, _ *workflow.Comment) map[string]string {
	dr := x.Decision.Draft
	if dr == nil {
		return nil
	}
	return map[string]string{"text": dr.Text, "legal_bases": strings.Join(dr.LegalBases, "\n")}
}

func currentDisposition(_ *workflow.Dossier, c *workflow.Comment) map[string]string {
	if c == nil {
		return nil
	}
	return map[string]string{"disposition": c.Disposition, "reason": c.DispositionReason}
}
