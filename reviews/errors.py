from rest_framework import status

from travelguru.errors import DomainError, NotFound


class NotReviewable(DomainError):
    code = "not-reviewable"
    status = status.HTTP_409_CONFLICT
    title = "This booking item cannot be reviewed"


class AlreadyReviewed(DomainError):
    code = "already-reviewed"
    status = status.HTTP_409_CONFLICT
    title = "You have reviewed this booking item already"


class ReviewNotFound(NotFound):
    code = "review-not-found"
    title = "No such review"


class SubjectNotFound(NotFound):
    code = "subject-not-found"
    title = "Nothing to review by that id"


class OwnReview(DomainError):
    code = "own-review"
    status = status.HTTP_409_CONFLICT
    title = "You cannot vote for your own review"


class ReplyExists(DomainError):
    code = "reply-exists"
    status = status.HTTP_409_CONFLICT
    title = "This review has a reply already"


class NotYourProperty(DomainError):
    code = "not-your-property"
    status = status.HTTP_403_FORBIDDEN
    title = "You do not manage the property this review is about"


class ReplyNotFound(NotFound):
    code = "reply-not-found"
    title = "No such reply"
