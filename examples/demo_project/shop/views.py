from django.http import HttpRequest, JsonResponse

from shop.models import Product


def product_list(request: HttpRequest) -> JsonResponse:
    products = Product.objects.filter(active=True).select_related("category").order_by("name")
    return JsonResponse(
        {
            "products": [
                {"name": p.name, "category": p.category.name, "stock": p.stock} for p in products
            ]
        }
    )
