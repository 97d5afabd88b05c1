package workflow

import (
	"errors"
	"fmt"
)

// Error codes. Each names a class of failure; the api package maps each code to
// exactly one HTTP status, and the CLI to an exit message.
const (
	EINVALID         = "invalid"          // malformed input: 400 invalid-request
	EUNAUTHENTICATED = "unauthenticated"  // no or bad credentials: 401
	EFORBIDDEN       = "forbidden"        // role may not do this: 403 role-not-allowed
	ENOTFOUND        = "not_found"        // no such thing: 404
	ECONFLICT        = "conflict"         // event not defined from the current state: 409 event-not-allowed
	EEXISTS          = "exists"           // a unique name is taken: 409
	EVERSION         = "version_mismatch" // If-Match does not match: 412
	ERULE            = "rule"             // a legal rule of workflow.md was violated: 422 with Rule
	EUNAVAILABLE     = "unavailable"      // the database cannot be reached: 503
	EINTERNAL        = "internal"         // anything else; never shown to clients
)

// Rule ids of workflow.md. They are part of the public contract: never rename one.
const (
	RuleExcludedCategory        = "excluded-category"
	RuleDraftRequired           = "draft-required"
	RuleCommentPeriodTooShort   = "comment-period-too-short"
	RuleCommentPeriodInvalid    = "comment-period-invalid"
	RuleCommentPeriodAlreadySet = "comment-period-already-set"
	RuleCommentWindowClosed     = "comment-window-closed"
	RuleCommentPeriodRequired   = "comment-period-required"
	RuleCommentPeriodNotEnded   = "comment-period-not-ended"
	RuleCommentsUndisposed      = "comments-undisposed"
	RuleAdoptionReportRequired  = "adoption-report-required"
	RuleExpertOpinionsRequired  = "expert-opinions-required"
	RuleExpertOpinionUnsigned   = "expert-opinion-unsigned"
	RuleExpertConflict          = "expert-conflict-of-interest"
	RuleRiskReportIncomplete    = "risk-report-incomplete"
	RuleRiskUncontrollable      = "risk-uncontrollable"
	RuleWaiverNotPermitted      = "waiver-not-permitted"
	RuleReasonRequired          = "reason-required"
	RuleLegalityOpinionRequired = "legality-opinion-required"
	RuleLegalityNotLawful       = "legality-not-lawful"
	RuleMeetingKindInvalid      = "meeting-kind-invalid"
	RuleMeetingAttendees        = "meeting-attendees-required"
	RuleDepartureReasonRequired = "departure-reason-required"
	RulePartyReportRequired     = "party-report-required"
	RulePublicationIncomplete   = "publication-incomplete"
	RuleArchiveNoRequired       = "archive-no-required"
	RuleMeetingQuorumNotMet     = "meeting-quorum-not-met"
	RuleHeadMustSpeakLast       = "head-must-speak-last"
	RuleDecidedTextRequired     = "decided-text-required"
	RuleReviewTimeTooShort      = "review-time-too-short"
	RuleDraftUnderConsultation  = "draft-under-consultation"
	RuleDateOutOfOrder          = "date-out-of-order"
	RuleLastAdmin               = "last-admin"
	// lifecycle.md, after the decision.
	RuleSuspensionGroundRequired     = "suspension-ground-required"
	RuleEvaluatorConflict            = "evaluator-conflict"
	RuleEvaluationReportRequired     = "evaluation-report-required"
	RuleEvaluationConclusionRequired = "evaluation-conclusion-required"
	RulePublicationRequired          = "publication-required"
	// lifecycle.md, before the procedures: the catalog, the start, hearings.
	RuleCatalogNotPublished         = "catalog-not-published"
	RuleCatalogEntryTaken           = "catalog-entry-taken"
	RuleCatalogFrozen               = "catalog-frozen"
	RulePartyApprovalRequired       = "party-approval-required"
	RuleCatalogEntryRemoved         = "catalog-entry-removed"
	RuleOffCatalogReasonRequired    = "off-catalog-reason-required"
	RuleHearingNoticeTooShort       = "hearing-notice-too-short"
	RuleHearingMaterialsTooLate     = "hearing-materials-too-late"
	RuleHearingParticipantsRequired = "hearing-participants-required"
	RuleHearingRecordRequired       = "hearing-record-required"
	// Attachments (http-api.md "More endpoints").
	RuleAttachmentTypeNotAllowed = "attachment-type-not-allowed"
)

// Rules lists every rule id of the contract, in the order of workflow.md.
var Rules = []string{
	RuleExcludedCategory, RuleDraftRequired, RuleCommentPeriodTooShort, RuleCommentPeriodInvalid,
	RuleCommentPeriodAlreadySet, RuleCommentWindowClosed, RuleCommentPeriodRequired,
	RuleCommentPeriodNotEnded, RuleCommentsUndisposed, RuleAdoptionReportRequired,
	RuleExpertOpinionsRequired, RuleExpertOpinionUnsigned, RuleExpertConflict,
	RuleRiskReportIncomplete, RuleRiskUncontrollable, RuleWaiverNotPermitted, RuleReasonRequired,
	RuleLegalityOpinionRequired, RuleLegalityNotLawful, RuleMeetingKindInvalid, RuleMeetingAttendees,
	RuleDepartureReasonRequired, RulePartyReportRequired, RulePublicationIncomplete,
	RuleArchiveNoRequired, RuleMeetingQuorumNotMet, RuleHeadMustSpeakLast, RuleDecidedTextRequired,
	RuleReviewTimeTooShort, RuleDraftUnderConsultation, RuleDateOutOfOrder, RuleLastAdmin,
	RuleSuspensionGroundRequired, RuleEvaluatorConflict, RuleEvaluationReportRequired,
	RuleEvaluationConclusionRequired, RulePublicationRequired,
	RuleCatalogNotPublished, RuleCatalogEntryTaken, RuleCatalogFrozen, RulePartyApprovalRequired,
	RuleCatalogEntryRemoved, RuleOffCatalogReasonRequired, RuleHearingNoticeTooShort,
	RuleHearingMaterialsTooLate, RuleHearingParticipantsRequired, RuleHearingRecordRequired,
	RuleAttachmentTypeNotAllowed,
}

// FieldError names one invalid field of a request and what is wrong with it.
type FieldError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

// Error is the one error type of decisionflow. Code classifies it; Rule names the
// violated rule for ERULE; State and AllowedEvents describe the decision for
// ECONFLICT; Fields lists the bad fields for EINVALID. Message is safe to show.
type Error struct {
	Code          string
	Rule          string
	Message       string
	State         State
	AllowedEvents []string
	Fields        []FieldError
	// Err is the underlying cause, for logs only; never shown to a client.
	Err error
}

func (e *Error) Error() string {
	s := e.Code
	if e.Rule != "" {
		s += " " + e.Rule
	}
	if e.Message != "" {
		s += ": " + e.Message
	}
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

func (e *Error) Unwrap() error { return e.Err }

// Errorf returns an *Error with the code and a formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// RuleError returns the ERULE error for a violated rule.
func RuleError(rule, format string, args ...any) *Error {
	return &Error{Code: ERULE, Rule: rule, Message: fmt.Sprintf(format, args...)}
}

// Invalid returns an EINVALID error listing the bad fields.
func Invalid(fields ...FieldError) *Error {
	msg := "the request is invalid"
	if len(fields) > 0 {
		msg = fields[0].Field + ": " + fields[0].Message
	}
	return &Error{Code: EINVALID, Message: msg, Fields: fields}
}

// Internal wraps an unexpected error; its text is for logs only.
func Internal(err error) *Error {
	return &Error{Code: EINTERNAL, Message: "internal error", Err: err}
}

// ErrorCode returns the code of err: the Code of an *Error in its chain, or EINTERNAL.
func ErrorCode(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// ErrorRule returns the rule id of err, or "".
func ErrorRule(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Rule
	}
	return ""
}

// ErrorMessage returns the message of err safe to show a person.
func ErrorMessage(err error) string {
	var e *Error
	if errors.As(err, &e) && e.Code != EINTERNAL {
		return e.Message
	}
	return "internal error"
}
