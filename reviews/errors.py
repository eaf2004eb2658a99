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
