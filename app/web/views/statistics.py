"""The public statistics: the page /statistik and GET /api/v1/public/statistics.

Open to everyone (no ``@has_access``/``@protect`` on purpose): they show only the
aggregates of ``app.public_statistics``. Unlike the resident's own pages, the
answer is the same for every visitor, so it carries an ETag (the data stamp, the
day and the language) and ``Cache-Control: no-cache``: a browser or the village
website asks again and gets a bodiless 304 while nothing changed.
"""

import hashlib

from flask import make_response, render_template, request
from flask_appbuilder import BaseView, expose
from flask_appbuilder.api import BaseApi
from flask_appbuilder.api import expose as expose_api
from flask_babel import get_locale

from app.reporting import public_statistics


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
            304:
              description: Not changed since the ETag sent in If-None-Match
        """
        data = public_statistics.statistics()
        return _conditional(self.response(200, **data), data)

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
