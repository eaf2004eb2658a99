from rest_framework import status

from travelguru.errors import DomainError


class InvalidSnsMessage(DomainError):
    code = "invalid-sns-message"
    status = status.HTTP_400_BAD_REQUEST
    title = "Not a message signed by Amazon SNS"


class UnknownSnsTopic(DomainError):
    code = "unknown-sns-topic"
    status = status.HTTP_403_FORBIDDEN
    title = "Messages from this SNS topic are not accepted"
