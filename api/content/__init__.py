"""The content engine (the role Payload CMS plays in the plan): tenants, pages, blogs, media, navigation,
categories, product content and synced order records, served by one Payload-style collection API."""
