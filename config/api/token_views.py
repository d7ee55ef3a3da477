"""`auth/tokens/`: the caller's own API tokens. Any signed-in login (session or token) lists
its tokens, issues a new one (the key is in that one response only) and revokes one."""

from datetime import timedelta

from django.conf import settings
from drf_spectacular.utils import extend_schema, extend_schema_view
from knox.models import AuthToken
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.response import Response

from config.api import tokens
from config.api.errors import Conflict


class ApiTokenSerializer(serializers.ModelSerializer):
    id = serializers.CharField(source="token_key", read_only=True, help_text="The key's first characters.")
    expires_at = serializers.DateTimeField(source="expiry", read_only=True)
    current = serializers.SerializerMethodField(help_text="The token this request was made with.")

    class Meta:
        model = AuthToken
        fields = ["id", "created", "expires_at", "current"]

    def get_current(self, token: AuthToken) -> bool:
        request = self.context.get("request")
        return isinstance(getattr(request, "auth", None), AuthToken) and request.auth.digest == token.digest


class ApiTokenCreateSerializer(serializers.Serializer):
    expires_in_days = serializers.IntegerField(
        min_value=1,
        max_value=settings.API_TOKEN_MAX_TTL_DAYS,
        required=False,
        help_text=f"Default {settings.API_TOKEN_TTL_DAYS}.",
    )


class IssuedApiTokenSerializer(ApiTokenSerializer):
    token = serializers.CharField(read_only=True, help_text="The key. Shown only in this response; keep it secret.")

    class Meta(ApiTokenSerializer.Meta):
        fields = ["token", *ApiTokenSerializer.Meta.fields]


@extend_schema_view(
    list=extend_schema(tags=["auth"], summary="My API tokens (not expired)"),
    create=extend_schema(
        tags=["auth"],
        summary="Issue an API token (the key is shown once)",
        request=ApiTokenCreateSerializer,
        responses={201: IssuedApiTokenSerializer},
    ),
    destroy=extend_schema(tags=["auth"], summary="Revoke one of my API tokens"),
)
class ApiTokenViewSet(mixins.ListModelMixin, mixins.DestroyModelMixin, viewsets.GenericViewSet):
    serializer_class = ApiTokenSerializer
    lookup_field = "token_key"
    lookup_url_kwarg = "id"
    lookup_value_regex = "[0-9a-f]{1,15}"
    filter_backends: list = []

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return AuthToken.objects.none()
        return tokens.api_tokens_of(user=self.request.user)

    def create(self, request, *args, **kwargs):
        serializer = ApiTokenCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        days = serializer.validated_data.get("expires_in_days")
        try:
            token, key = tokens.api_token_create(
                user=request.user, expires_in=None if days is None else timedelta(days=days)
            )
        except tokens.TokenLimitReached as error:
            raise Conflict(str(error)) from error
        token.token = key
        data = IssuedApiTokenSerializer(token, context={"request": request}).data
        return Response(data, status=status.HTTP_201_CREATED)

    def perform_destroy(self, instance: AuthToken) -> None:
        tokens.api_token_revoke(user=self.request.user, token_key=instance.token_key)
