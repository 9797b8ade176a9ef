"""The catalogue of the service's errors: every error the simulated service sends, by name.

Each :class:`Entry` is one error: its family (the wire ``__type``), its TurkErrorCode
where the service sends one, and its message as a template whose ``{fields}`` the call
site fills in by keyword::

    raise catalogue.HIT_DOES_NOT_EXIST(hit_id=hit_id)

The messages are the service's own, byte for byte (the stamp MTurk's own errors end
with is added when the error is answered: :meth:`ServiceError.message_at`). Nowhere
else in the package is a service error worded; ``tests/test_error_catalogue.py`` keeps
it so, and checks that every entry is used and every call fills in its fields.
"""

from __future__ import annotations

import string
from dataclasses import dataclass

from .errors import MAX_LISTED, PREFIX, ServiceError, Violation, coral_value
from .fallback import FALLBACK_ACCESS_KEY

REQUEST = "RequestError"
PARAMETER = "ParameterValidationError"
FAULT = "ServiceFault"


@dataclass(frozen=True)
class Entry:
    """One error the service sends; call it with the template's fields for the error."""

    family: str
    code: str | None
    template: str
    status: int = 400

    @property
    def fields(self) -> frozenset[str]:
        """The names the template needs."""
        return frozenset(name for _, name, _, _ in string.Formatter().parse(self.template) if name)

    def __call__(self, **values: object) -> ServiceError:
        return ServiceError(
            self.template.format_map(values), self.code, type=self.family, status=self.status
        )


def _request(code: str | None, template: str) -> Entry:
    """A ``RequestError``, with the TurkErrorCode ``AWS.MechanicalTurk.<code>`` if any."""
    return Entry(REQUEST, PREFIX + code if code else None, template)


def _parameter(template: str, code: str | None = None) -> Entry:
    """A ``ParameterValidationError`` (a plain ``ClientError`` in boto3: the model does
    not declare it), with the TurkErrorCode ``AWS.MechanicalTurk.<code>`` if any."""
    return Entry(PARAMETER, PREFIX + code if code else None, template)


# -- MTurk's RequestError: what exists and what state it is in ------------------------

# The service writes "Hit", not "HIT".
HIT_DOES_NOT_EXIST = _request("HITDoesNotExist", "Hit {hit_id} does not exist.")
HIT_TYPE_DOES_NOT_EXIST = _request("HITTypeDoesNotExist", "HITType {hit_type_id} does not exist.")
HIT_LAYOUT_DOES_NOT_EXIST = _request(
    "HITLayoutDoesNotExist", "HITLayout {layout_id} does not exist."
)
ASSIGNMENT_DOES_NOT_EXIST = _request(
    "AssignmentDoesNotExist", "Assignment {assignment_id} does not exist."
)
QUALIFICATION_TYPE_DOES_NOT_EXIST = _request(
    "QualificationTypeDoesNotExist",
    "QualificationType [{type_id}] does not exist.",
)
QUALIFICATION_TYPE_ALREADY_EXISTS = _request(
    "QualificationTypeAlreadyExists",
    "You have already created a QualificationType with this name. A QualificationType's "
    "name must be unique among all of the QualificationTypes created by the same user.",
)
# A worker lacks the qualification (never granted).
QUALIFICATION_DOES_NOT_EXIST = _request(
    "QualificationDoesNotExist",
    "You requested a Qualification that does not exist.",
)
QUALIFICATION_REQUEST_DOES_NOT_EXIST = _request(
    "QualificationRequestDoesNotExist",
    "QualificationRequest {request_id} does not exist.",
)
# Two spaces after the first period, as the service writes it.
INVALID_HIT_STATE = _request(
    "InvalidHITState",
    "This HIT is currently in the state '{current}'.  "
    "This operation can be called with a status of: {allowed}",
)
INVALID_ASSIGNMENT_STATE = _request(
    "InvalidAssignmentState",
    "This operation can be called with a status of: {allowed}",
)
REJECTED_ASSIGNMENT_TOO_OLD = _request(
    "InvalidAssignmentState",
    "A rejected assignment can be approved only within 30 days of its submission "
    "and before its HIT is deleted.",
)
# The worker's qualification was revoked; the operation needs a granted one.
INVALID_QUALIFICATION_STATE = _request(
    "InvalidQualificationState",
    "This operation can be called with a status of: Granted",
)
# The type is being deleted (legacy status Disposing).
INVALID_QUALIFICATION_TYPE_STATE = _request(
    "InvalidQualificationTypeState",
    "This operation can be called with a status of: Active,Inactive",
)
QUALIFICATION_TYPE_INACTIVE = _request(
    "InvalidQualificationTypeState",
    "QualificationType [{type_id}] is inactive. HITs cannot be created with "
    "requirements based on an inactive QualificationType.",
)
INVALID_QUALIFICATION_REQUEST_STATE = _request(
    "InvalidQualificationRequestState",
    "This operation can be called with a status of: Submitted",
)

# -- MTurk's RequestError: what the requester may do ----------------------------------

INSUFFICIENT_FUNDS = _request(
    "InsufficientFunds",
    "This Requester has insufficient funds in their account to complete this transaction. "
    "Please visit https://requester.mturk.com/prepayments/new to purchase Prepaid HITs.",
)
PERMISSION_DENIED = _request(
    "PermissionDenied",
    "This user is not authorized to perform the requested operation.",
)
HIT_ALREADY_EXISTS = _request(
    "HitAlreadyExists",
    'The HIT with ID "{hit_id}" has already been created with the UniqueRequestToken "{token}".',
)
# UpdateExpirationForHIT's own token, made of the HIT and the time asked for.
EXPIRATION_ALREADY_PROCESSED = _request(
    None, 'The idempotency token "{token}" has already been processed.'
)
REQUEST_ALREADY_PROCESSED = _request(
    None,
    'The request with UniqueRequestToken "{token}" has already been processed '
    "(request ID {request_id}).",
)
MAXIMUM_ASSIGNMENTS_INCREASE = _request(
    "InvalidMaximumAssignmentsIncrease",
    "A HIT created with fewer than 10 assignments cannot be extended to have 10 or "
    "more assignments.",
)
WORKER_NOT_ON_ASSIGNMENT = _request(
    "InvalidParameterValue",
    "Worker {worker_id} did not work on assignment {assignment_id}.",
)
NO_FILE_UPLOADED = _request(
    "InvalidParameterValue",
    'There is no file uploaded for QuestionIdentifier "{question_id}" in assignment '
    "{assignment_id}.",
)
TOO_MANY_BLOCKS = _request("InvalidParameterValue", "You can block at most {limit} Workers.")
FEEDBACK_CHARACTERS = _request(
    "InvalidParameterValue",
    "RequesterFeedback contains characters that are not allowed: ASCII control "
    "characters other than tab, line feed and carriage return.",
)
NOTIFICATION_OR_ACTIVE = Entry(
    REQUEST,
    "AWS.MissingParameters",
    "You must specify either the Notification parameter or the Active parameter.",
)
NO_NOTIFICATION_SPECIFICATION = _request(
    "InvalidParameterValue",
    "HIT type {hit_type_id} has no notification specification. To change the "
    "Active status of a HIT type's notifications, the HIT type must already have a "
    "notification specification, or one must be provided in the same call.",
)
DESTINATION_NOT_VALID = _request(
    "InvalidTransportEndpoint",
    'The destination "{destination}" is not {what}, as the {transport} transport requires.',
)
NOTIFICATION_NOT_SENT = _request(
    "InvalidTransportEndpoint",
    "The notification could not be sent to {destination} using the {transport} transport.",
)
# Loud refusal for an operation the simulator does not answer yet.
NOT_SIMULATED = _request(
    "OperationNotSimulated",
    "pytest-mturk does not simulate {operation} yet; see the README's table of operations.",
)

# -- MTurk's ParameterValidationError: values it cannot use ---------------------------

INVALID_VALUE = _parameter('The value "{value}" is not valid for the parameter {name}.')
# The XML members (Question, Test, AnswerKey) and what they hold carry a TurkErrorCode.
INVALID_PARAMETER_VALUE = _parameter(
    'The value "{value}" is not valid for the parameter {name}.',
    code="InvalidParameterValue",
)
# A sentence of its own after the service's, and its period (observed).
EXTERNAL_URL_NOT_HTTPS = _parameter(
    'The value "{value}" is not valid for the parameter ExternalURL. '
    "This URL must use the HTTPS protocol..",
    code="InvalidParameterValue",
)
OUT_OF_RANGE = _parameter(
    "The value {value} is invalid for {name}. Valid values range from {low} to {high}.",
)
TOO_LONG = _parameter(
    "The value for {name} is too long ({length} characters). "
    "The maximum length is {limit} characters.",
)
NUMBER_OF_VALUES = _parameter(
    "The number of values given for {name} ({count}) is not valid. "
    "Valid values range from 1 to {high}.",
)
WORKER_ID_INVALID = _parameter("WorkerId is invalid.")
HIT_OR_ASSIGNMENT = _parameter("Either HITId or AssignmentId must be provided.")

# -- MTurk's ParameterValidationError: questions, layouts and tests -------------------

# ``detail`` is the XML validator's own complaint (Xerces' wording).
XML_PARSE_ERROR = _parameter(
    "There was an error parsing the XML question or answer data in your request. Please make "
    "sure the data is well-formed and validates against the appropriate schema. Details: "
    "{detail}",
    code="XMLParseError",
)
# ``errors`` is the HTML5 parser's list (``<! [line,column] message !>`` each); two
# spaces after the first sentence, as the service wrote it.
HTML5_PARSE_ERROR = _parameter(
    "There was an error parsing the HTML5 data in your request.  Please make sure the data "
    "is well-formed and validates as HTML5. Details: Errors: {errors} Invalid content: "
    "{content}",
)
DOCUMENT_TOO_LONG = _parameter(
    "The {parameter} is too long ({size} bytes). The maximum size is {limit} bytes.",
)
QUESTION_OR_LAYOUT = _parameter("Exactly one of Question or HITLayoutId must be provided.")
LAYOUT_VALUES_MISSING = _parameter("The HITLayoutParameters are missing values for: {names}.")
ANSWER_KEY_WITHOUT_TEST = _parameter("AnswerKey cannot be specified without a Test.")
TEST_NOT_AUTO_GRANTED = _parameter("A QualificationType with a Test cannot be AutoGranted.")
TEST_DURATION_REQUIRED = _parameter("TestDurationInSeconds is required when Test is specified.")
TEST_REPLACED_WHOLE = _parameter(
    "To change the AnswerKey or TestDurationInSeconds, specify the Test and "
    "TestDurationInSeconds as well.",
)

# -- MTurk's ParameterValidationError: qualification requirements ---------------------

TOO_MANY_REQUIREMENTS = _parameter(
    "The number of QualificationRequirements ({count}) exceeds the maximum of {limit}.",
)
PRESENCE_WITH_VALUES = _parameter(
    "The comparator {comparator} cannot be used with IntegerValues or "
    "LocaleValues (QualificationTypeId {type_id}).",
)
LOCALE_WITH_INTEGERS = _parameter(
    "IntegerValues cannot be used with the Worker_Locale QualificationType ({type_id}).",
)
LOCALE_WITHOUT_LOCALES = _parameter(
    "LocaleValues are required for the Worker_Locale QualificationType ({type_id}).",
)
ONE_LOCALE_VALUE = _parameter("The comparator {comparator} takes exactly one LocaleValue.")
AT_MOST_30_LOCALE_VALUES = _parameter("The comparator {comparator} takes at most 30 LocaleValues.")
LOCALE_COMPARATOR = _parameter(
    "The comparator {comparator} cannot be used with the Worker_Locale "
    "QualificationType; use EqualTo, NotEqualTo, In or NotIn.",
)
LOCALES_WITHOUT_LOCALE = _parameter(
    "LocaleValues can only be used with the Worker_Locale QualificationType ({type_id}).",
)
INTEGERS_REQUIRED = _parameter(
    "The comparator {comparator} requires IntegerValues (QualificationTypeId {type_id}).",
)
AT_MOST_15_INTEGER_VALUES = _parameter(
    "The comparator {comparator} takes at most 15 IntegerValues."
)
ONE_INTEGER_VALUE = _parameter("The comparator {comparator} takes exactly one IntegerValue.")

# -- MTurk's ParameterValidationError: review policies --------------------------------

POLICY_ONE_VALUE = _parameter("The parameter {name} takes exactly one value ({count} given).")
POLICY_MAP_ENTRIES = _parameter("The parameter {name} requires MapEntries.")
POLICY_SOME_VALUE = _parameter("The parameter {name} requires at least one value.")
POLICY_PARAMETER_UNKNOWN = _parameter('The parameter "{key}" is not valid for {policy}.')
POLICY_PARAMETER_REPEATED = _parameter("The parameter {key} was given more than once.")
POLICY_PARAMETER_REQUIRED = _parameter("The parameter {key} is required for {policy}.")
POLICY_PARAMETER_REQUIRED_WITH = _parameter("The parameter {key} is required with {trigger}.")

# -- MTurk's ServiceFault --------------------------------------------------------------

# The retryable internal failure (HTTP 500).
SERVICE_FAULT = Entry(
    FAULT,
    None,
    "We are temporarily unable to process your request. Try your call again.",
    status=500,
)

# -- the AWS front end's refusals (no stamp; their body says "message") ----------------

MISSING_AUTHENTICATION_TOKEN = Entry(
    "MissingAuthenticationTokenException", None, "Request is missing Authentication Token"
)
UNRECOGNIZED_CLIENT = Entry(
    "UnrecognizedClientException", None, "The security token included in the request is invalid."
)
# For the key handed to a client that found no credentials: said with what happened and
# what to do, since a suite that lists its keys would otherwise read it as a wrong key
# (docs/fidelity.md).
FALLBACK_KEY_REFUSED = Entry(
    "UnrecognizedClientException",
    None,
    "The security token included in the request is invalid. [pytest-mturk] No AWS "
    "credentials were configured for this client, so it was handed pytest-mturk's "
    f"fallback access key {FALLBACK_ACCESS_KEY}, which is not among the keys this "
    "simulator accepts (the access_keys setting, ini mturk_access_keys). Configure the "
    "client's credentials, or turn the fallback off with fake_credentials=False (ini "
    "mturk_fake_credentials = false, or @pytest.mark.mturk(fake_credentials=False)) so "
    "that a client without credentials gets botocore's NoCredentialsError.",
)
THROTTLED = Entry("ThrottlingException", None, "Rate exceeded")
# A request's SigV4 signature, checked when the server knows the secret keys
# (``--credentials``); the texts are those AWS's JSON services send (docs/fidelity.md).
INVALID_SIGNATURE = Entry(
    "InvalidSignatureException",
    None,
    "The request signature we calculated does not match the signature you provided. Check "
    "your AWS Secret Access Key and signing method. Consult the service documentation for "
    "details.",
)
SIGNATURE_EXPIRED = Entry(
    "InvalidSignatureException",
    None,
    "Signature expired: {signed} is now earlier than {earliest} ({now} - 5 min.)",
)
SIGNATURE_NOT_YET_CURRENT = Entry(
    "InvalidSignatureException",
    None,
    "Signature not yet current: {signed} is still later than {latest} ({now} + 5 min.)",
)
INCOMPLETE_SIGNATURE = Entry(
    "IncompleteSignatureException", None, "{missing} Authorization={authorization}"
)
NOT_A_KEY_VALUE_PAIR = Entry(
    "IncompleteSignatureException",
    None,
    "'{pair}' not a valid key=value pair (missing equal-sign) in Authorization header: "
    "'{authorization}'.",
)
UNSIGNED_HOST = Entry(
    "IncompleteSignatureException",
    None,
    "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.",
)
BAD_SIGNATURE_DATE = Entry(
    "IncompleteSignatureException",
    None,
    "Date must be in ISO-8601 'basic format'. Got '{date}'. See "
    "http://en.wikipedia.org/wiki/ISO_8601",
)
BAD_CREDENTIAL_SCOPE = Entry(
    "IncompleteSignatureException",
    None,
    "Credential should be scoped with a valid terminator: 'aws4_request', not '{terminator}'.",
)
# What AWS's JSON 1.1 front end answers for a target it does not route.
UNKNOWN_OPERATION = Entry("UnknownOperationException", None, "Unknown operation {target}")
STRUCTURE_NOT_EXPECTED = Entry(
    "SerializationException", None, "Start of structure or map found where not expected."
)
STRUCTURE_EXPECTED = Entry(
    "SerializationException", None, "Unexpected list or scalar where a structure was expected."
)
# A number too long for the service to read as one (beyond what its integers hold).
NUMBER_OUT_OF_RANGE = Entry("SerializationException", None, "Numeric value out of range.")
# The request framework's refusal of values that break the service model's own
# constraints, before MTurk's code sees the request (see :func:`validation_exception`).
VALIDATION = Entry("ValidationException", None, "{count} validation {errors} detected: {details}")


def validation_exception(violations: list[Violation]) -> ServiceError:
    """:data:`VALIDATION` for ``violations``: ``Value ... at '<path>' failed to satisfy
    constraint: Member must ...``, joined by ``"; "``, at most ten of them (the count
    stops there too)."""
    listed = violations[:MAX_LISTED]
    count = len(listed)
    details = "; ".join(
        f"Value {coral_value(value)} at '{path}' failed to satisfy constraint: {rule}"
        for path, value, rule in listed
    )
    return VALIDATION(count=count, errors="error" if count == 1 else "errors", details=details)


def missing_member(path: str) -> ServiceError:
    """The request framework's error for a member the server requires."""
    return validation_exception([(path, None, "Member must not be null")])


def incomplete_signature(parts: list[str], dated: bool, authorization: str) -> ServiceError:
    """:data:`INCOMPLETE_SIGNATURE` for an ``Authorization`` header that lacks the
    ``parts`` named (of ``Credential``, ``Signature``, ``SignedHeaders``) or, unless
    ``dated``, a request with neither ``X-Amz-Date`` nor ``Date``: one sentence for each."""
    missing = [f"Authorization header requires '{part}' parameter." for part in parts]
    if not dated:
        missing.append(
            "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header."
        )
    return INCOMPLETE_SIGNATURE(missing=" ".join(missing), authorization=authorization)
