"""Read-side queries of the notifications layer, and the page assemblies that read across apps
(Today, a car's timeline, the results funnel)."""
