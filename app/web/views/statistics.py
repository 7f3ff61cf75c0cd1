"""The public statistics: the page /statistik and GET /api/v1/public/statistics.

Open to everyone (no ``@has_access``/``@protect`` on purpose): they show only the
aggregates of ``app.public_statistics`` and the photos after the work it names. Unlike
the resident's own pages, the answer is the same for every visitor, so it carries an ETag (the data stamp, the
day and the language) and ``Cache-Control: no-cache``: a browser or the village
website asks again and gets a bodiless 304 while nothing changed.
"""

import hashlib

from flask import abort, make_response, render_template, request, url_for
from flask_appbuilder import BaseView, expose
from flask_appbuilder.api import BaseApi
from flask_appbuilder.api import expose as expose_api
from flask_babel import get_locale

from app.reporting import public_statistics
from app.web.views.evidence import file_answer


def _etag(data):
    text = f"{data['data_stamp']}|{data['as_of']}|{get_locale()}"
    return hashlib.sha256(text.encode()).hexdigest()[:24]


def _conditional(response, data):
    """ETag and revalidation headers; a 304 when the client already has this answer."""
    response.set_etag(_etag(data))
    response.headers["Cache-Control"] = "no-cache"
    response.headers["Vary"] = "Cookie, Accept-Language"
    return response.make_conditional(request)


class StatisticsView(BaseView):
    """``/statistik``: the figures as plain tables, light on a phone."""

    route_base = ""
    class_permission_name = "PublicStatistics"
    default_view = "statistics"

    @expose("/statistik", methods=["GET"])
    def statistics(self):
        data = public_statistics.statistics()
        response = make_response(render_template("public/statistics.html", stats=data))
        return _conditional(response, data)

    @expose("/statistik/foto/<int:pk>", methods=["GET"])
    def photo(self, pk):
        """The photo after the work beside a problem on "Sudah ditangani"; any other file,
        whatever it is, is a 404 (``public_statistics.published_photo``)."""
        return self._photo(pk, thumbnail=False)

    @expose("/statistik/foto/<int:pk>/kecil", methods=["GET"])
    def photo_thumbnail(self, pk):
        return self._photo(pk, thumbnail=True)

    def _photo(self, pk, thumbnail):
        attachment = public_statistics.published_photo(pk)
        if attachment is None or (thumbnail and attachment.thumbnail_key is None):
            abort(404)
        # Never the uploaded file name: it may name a resident or an officer.
        return file_answer(attachment, thumbnail, name=f"foto-{attachment.id}.jpg")


def with_photo_urls(data):
    """The answer with each published problem's photo as absolute URLs for the village
    website (null without a photo); the cached answer itself is left as it is."""
    def urls(item):
        pk = item["photo_id"]
        return {**item,
                "photo_url": url_for("StatisticsView.photo", pk=pk, _external=True)
                if pk else None,
                "photo_thumbnail_url": url_for("StatisticsView.photo_thumbnail", pk=pk,
                                               _external=True) if pk else None}
    return {**data, "resolved_publicly": [urls(item) for item in data["resolved_publicly"]]}


class StatisticsApi(BaseApi):
    """``GET /api/v1/public/statistics``: the same figures as JSON, for the village website."""

    resource_name = "public"
    class_permission_name = "PublicStatisticsApi"
    openapi_spec_tag = "Public"
    openapi_spec_component_schemas = ()

    @expose_api("/statistics", methods=["GET"])
    def statistics(self):
        """How the village handles complaints: aggregates only.
        ---
        get:
          summary: Public statistics (this year and the last 12 months)
          description: >-
            No login. Aggregates of the whole register (void entries never count). A group
            under min_count complaints is merged into one "merged" row (its count null when
            the merged total is still under min_count); a share or median over fewer than
            min_count complaints or answers is null. Answers carry an ETag; send it back in
            If-None-Match to get a 304 while nothing changed.
          responses:
            200:
              description: The statistics
              content:
                application/json:
                  schema:
                    type: object
                    required: [as_of, data_stamp, min_count, periods, months,
                               recommendations, resolved_publicly]
                    properties:
                      as_of: {type: string, format: date}
                      as_of_label: {type: string}
                      data_stamp: {type: string}
                      min_count: {type: integer, example: 3}
                      periods:
                        type: array
                        items:
                          type: object
                          properties:
                            key: {type: string, enum: [year, last_12_months]}
                            label: {type: string}
                            start: {type: string, format: date}
                            end: {type: string, format: date}
                            received: {type: integer}
                            resolved: {type: integer}
                            resolved_on_time_percent: {type: number, nullable: true}
                            median_days_to_resolve: {type: number, nullable: true}
                            satisfied_percent: {type: number, nullable: true}
                            by_category: {$ref: '#/components/schemas/StatisticsGroups'}
                            by_channel: {$ref: '#/components/schemas/StatisticsGroups'}
                            by_dusun: {$ref: '#/components/schemas/StatisticsGroups'}
                      months:
                        type: array
                        items:
                          type: object
                          properties:
                            month: {type: string, example: 2026-11}
                            label: {type: string}
                            received: {type: integer}
                            resolved: {type: integer}
                      recommendations:
                        type: array
                        description: The public text of review meetings' recommendations
                        items:
                          type: object
                          properties:
                            date: {type: string, format: date}
                            date_label: {type: string}
                            text: {type: string}
                      resolved_publicly:
                        type: array
                        description: Resolved problems the village chose to publish
                        items:
                          type: object
                          properties:
                            month: {type: string, example: 2026-11}
                            month_label: {type: string}
                            category: {type: string}
                            dusun: {type: string}
                            what_was_done: {type: string}
                            photo_id: {type: integer, nullable: true}
                            photo_url:
                              type: string
                              nullable: true
                              description: The photo after the work (JPEG), if the desk chose one
                            photo_thumbnail_url: {type: string, nullable: true}
            304:
              description: Not changed since the ETag sent in If-None-Match
        """
        data = public_statistics.statistics()
        return _conditional(self.response(200, **with_photo_urls(data)), data)

    def add_apispec_components(self, api_spec):
        """The shared schema of one breakdown (category, channel or dusun)."""
        super().add_apispec_components(api_spec)
        if "StatisticsGroups" not in api_spec.components.schemas:
            api_spec.components.schema("StatisticsGroups", {
                "type": "array",
                "items": {"type": "object", "required": ["label", "count"], "properties": {
                    "label": {"type": "string"},
                    "count": {"type": "integer", "nullable": True,
                              "description": "null: fewer than min_count"},
                    "merged": {"type": "boolean",
                               "description": "The groups under min_count, merged"},
                }},
            })
