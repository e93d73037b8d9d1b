from rest_framework.permissions import SAFE_METHODS, BasePermission


class IsStreamOwner(BasePermission):
    """creator_owns_stream: only the stream's creator may change it."""

    message = "Only the stream's creator may do that."

    def has_object_permission(self, request, view, obj) -> bool:
        public = getattr(view, "public_read_actions", {"retrieve", "list"})  # what anyone who sees it may read
        if request.method in SAFE_METHODS and getattr(view, "action", None) in public:
            return True
        return request.user.is_authenticated and obj.creator_id == request.user.pk
