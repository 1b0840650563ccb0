"""The Admin API's views, by concern: admin users, links, public endpoints, the signed-in user's
sessions, and /verify. All derive from `base.GoTrueView`."""
