def test_every_demo_role_signs_in(client, world):
    for key in ("partner_manager_a", "participant_a", "host_practitioner", "centre_admin"):
        user = world[key]
        c = client.application.test_client()
        response = c.post(
            "/sign-in", data={"email": user.email, "password": "correct-horse-battery-staple"}
        )
        assert response.status_code == 302, key
